/**
 * Users: search by email or name, filter by flags, sort by joining date or last login, a page
 * at a time (cursor paging) with the count. The search and filters live in the address, so
 * going back from a user returns to the same list.
 */
import type { AdminUser, UserOrdering } from '@auth-service/client';
import { useEffect, useId, useState, type FormEvent } from 'react';
import { Flags } from '../components/Flags';
import { ErrorNotice, ResultNotice } from '../components/Notice';
import { SelectField } from '../components/SelectField';
import { formatDate } from '../format';
import { Link, navigate } from '../router';
import { useSession } from '../session';

const PAGE_SIZE = 25;

const ORDERINGS: Array<[UserOrdering, string]> = [
  ['-created_at', 'Joined, newest first'],
  ['created_at', 'Joined, oldest first'],
  ['-last_login', 'Last login, most recent first'],
  ['last_login', 'Last login, least recent first'],
];

const FLAGS = [
  ['is_active', 'Status', 'Active', 'Deactivated'],
  ['is_staff', 'Staff', 'Staff', 'Not staff'],
  ['is_verified', 'Email', 'Verified', 'Unverified'],
] as const;

type Flag = (typeof FLAGS)[number][0];

interface Listing {
  users: AdminUser[];
  count: number;
  next: string | null;
}

const flagOf = (query: URLSearchParams, name: Flag) => {
  const value = query.get(name);
  return value === 'true' ? true : value === 'false' ? false : undefined;
};

/** `notice`: what the previous page did, e.g. "The account was deleted." */
export function UsersPage({ query, notice }: { query: URLSearchParams; notice: string | null }) {
  const { client } = useSession();
  const search = query.get('search') ?? '';
  const orderingParam = query.get('ordering');
  const ordering =
    ORDERINGS.find(([value]) => value === orderingParam)?.[0] ?? ('-created_at' as UserOrdering);
  const filters = Object.fromEntries(FLAGS.map(([name]) => [name, flagOf(query, name)]));
  const key = query.toString();

  // Cursors of the pages up to the current one, so "Previous page" can go back; a new search,
  // filter or sort starts again at the first page.
  const [paging, setPaging] = useState({ key, cursors: [undefined] as Array<string | undefined> });
  const cursors = paging.key === key ? paging.cursors : [undefined];
  const setCursors = (change: (stack: Array<string | undefined>) => Array<string | undefined>) =>
    setPaging({ key, cursors: change(cursors) });
  const [listing, setListing] = useState<Listing | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [draft, setDraft] = useState(search);
  const searchId = useId();

  useEffect(() => setDraft(search), [search]);

  const cursor = cursors.at(-1);
  useEffect(() => {
    let current = true;
    setLoading(true);
    client.admin.listUsers
      .query({ search: search || undefined, ordering, limit: PAGE_SIZE, cursor, ...filters })
      .then(
        (page) => {
          if (!current) return;
          setListing({ users: page.results, count: page.count, next: page.next_cursor });
          setError(null);
        },
        (failure: unknown) => current && setError(failure),
      )
      .finally(() => current && setLoading(false));
    return () => {
      current = false;
    };
    // `filters` and `ordering` are derived from `key`.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client, key, cursor]);

  const setParam = (name: string, value: string | undefined) => {
    const next = new URLSearchParams(query);
    if (value) next.set(name, value);
    else next.delete(name);
    const text = next.toString();
    navigate(text ? `/?${text}` : '/', { replace: true });
  };

  const submitSearch = (event: FormEvent) => {
    event.preventDefault();
    setParam('search', draft.trim() || undefined);
  };

  const page = cursors.length;
  const sortedBy = ordering.replace('-', '');
  const direction = ordering.startsWith('-') ? 'descending' : 'ascending';

  return (
    <>
      <h1 tabIndex={-1}>Users</h1>
      {notice && <ResultNotice message={notice} />}
      <form role="search" className="toolbar" onSubmit={submitSearch}>
        <div className="field field-grow">
          <label htmlFor={searchId}>Search by email or name</label>
          <div className="inline">
            <input
              id={searchId}
              type="search"
              value={draft}
              onChange={(event) => setDraft(event.target.value)}
            />
            <button type="submit" className="button button-primary">
              Search
            </button>
          </div>
        </div>
        {FLAGS.map(([name, label, yes, no]) => (
          <FlagFilter
            key={name}
            label={label}
            value={filters[name]}
            yes={yes}
            no={no}
            onChange={(value) => setParam(name, value)}
          />
        ))}
        <SelectField
          label="Sort by"
          value={ordering}
          options={ORDERINGS}
          onChange={(value) => setParam('ordering', value === '-created_at' ? undefined : value)}
        />
      </form>

      <ErrorNotice error={error} />
      <p role="status" className="count">
        {listing
          ? `${listing.count} ${listing.count === 1 ? 'user' : 'users'}${search ? ` matching “${search}”` : ''}`
          : loading
            ? 'Loading users…'
            : ''}
      </p>

      {listing && (
        <div className="table-scroll" role="region" aria-label="Users list" tabIndex={0}>
          <table>
            <caption className="visually-hidden">
              Users, page {page}, sorted by{' '}
              {sortedBy === 'last_login' ? 'last login' : 'joining date'}
            </caption>
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col" aria-sort={sortedBy === 'created_at' ? direction : undefined}>
                  Joined
                </th>
                <th scope="col" aria-sort={sortedBy === 'last_login' ? direction : undefined}>
                  Last login
                </th>
              </tr>
            </thead>
            <tbody>
              {listing.users.map((user) => (
                <tr key={user.id}>
                  <td>
                    <Link to={`/users/${user.id}`}>{user.email}</Link>
                  </td>
                  <td>{user.full_name}</td>
                  <td>
                    <Flags user={user} />
                  </td>
                  <td>{formatDate(user.created_at)}</td>
                  <td>{formatDate(user.last_login)}</td>
                </tr>
              ))}
              {!listing.users.length && (
                <tr>
                  <td colSpan={5}>No users match.</td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
      )}

      <nav className="pager" aria-label="Pages of users">
        <button
          type="button"
          className="button"
          disabled={page === 1 || loading}
          onClick={() => setCursors((stack) => stack.slice(0, -1))}
        >
          Previous page
        </button>
        <span>Page {page}</span>
        <button
          type="button"
          className="button"
          disabled={!listing?.next || loading}
          onClick={() => listing?.next && setCursors((stack) => [...stack, listing.next!])}
        >
          Next page
        </button>
      </nav>
    </>
  );
}

function FlagFilter(props: {
  label: string;
  value: boolean | undefined;
  yes: string;
  no: string;
  onChange(value: string | undefined): void;
}) {
  const value = props.value === undefined ? '' : String(props.value);
  return (
    <SelectField
      label={props.label}
      value={value}
      options={[
        ['', 'Any'],
        ['true', props.yes],
        ['false', props.no],
      ]}
      onChange={(next) => props.onChange(next || undefined)}
    />
  );
}
