/** A user's activity log for staff: newest first, filterable by action, a page at a time. */
import {
  ACTIVITY_ACTIONS,
  type ActivityAction,
  type AdminActivityEntry,
} from '@auth-service/client';
import { useEffect, useState } from 'react';
import { ACTION_LABELS, actionLabel, describeDevice, describeEntry, formatDate } from '../format';
import { useSession } from '../session';
import { ErrorNotice } from './Notice';
import { SelectField } from './SelectField';

const PAGE_SIZE = 20;

const ACTION_CHOICES: Array<[ActivityAction | '', string]> = [
  ['', 'All actions'],
  ...ACTIVITY_ACTIONS.map((action): [ActivityAction, string] => [action, ACTION_LABELS[action]]),
];

export function ActivityLog({ userId, refreshes }: { userId: string; refreshes: number }) {
  const { client } = useSession();
  const [action, setAction] = useState<ActivityAction | ''>('');
  const [paging, setPaging] = useState({
    action,
    cursors: [undefined] as Array<string | undefined>,
  });
  const cursors = paging.action === action ? paging.cursors : [undefined];
  const cursor = cursors.at(-1);
  const [entries, setEntries] = useState<AdminActivityEntry[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    let current = true;
    client.admin.userActivity
      .query({ id: userId, action: action || undefined, cursor, limit: PAGE_SIZE })
      .then(
        (page) => {
          if (!current) return;
          setEntries(page.results);
          setNext(page.next_cursor);
          setError(null);
        },
        (failure: unknown) => current && setError(failure),
      );
    return () => {
      current = false;
    };
  }, [client, userId, action, cursor, refreshes]);

  const page = cursors.length;
  return (
    <section aria-labelledby="activity-title" className="panel">
      <h2 id="activity-title">Activity</h2>
      <div className="toolbar">
        <SelectField<ActivityAction | ''>
          label="Action"
          value={action}
          options={ACTION_CHOICES}
          onChange={setAction}
        />
      </div>
      <ErrorNotice error={error} />
      {entries && (
        <div className="table-scroll" role="region" aria-label="Activity log" tabIndex={0}>
          <table>
            <caption className="visually-hidden">Activity, newest first, page {page}</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">What</th>
                <th scope="col">Who</th>
                <th scope="col">From</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((entry) => (
                <tr key={entry.id}>
                  <td>{formatDate(entry.created_at)}</td>
                  <td>{actionLabel(entry.action)}</td>
                  <td>
                    {entry.actor ? `Staff: ${entry.actor.email ?? entry.actor.id}` : 'The user'}
                  </td>
                  <td>
                    {entry.ip_address || entry.user_agent
                      ? `${entry.ip_address ?? ''} ${entry.user_agent ? describeDevice(entry.user_agent) : ''}`
                      : '—'}
                  </td>
                  <td>{describeEntry(entry)}</td>
                </tr>
              ))}
              {!entries.length && (
                <tr>
                  <td colSpan={5}>No activity{action ? ' of this kind' : ''}.</td>
                </tr>
              )}
            </tbody>
          </table>
        </div>
      )}
      <nav className="pager" aria-label="Pages of activity">
        <button
          type="button"
          className="button"
          disabled={page === 1}
          onClick={() => setPaging({ action, cursors: cursors.slice(0, -1) })}
        >
          Newer entries
        </button>
        <span>Page {page}</span>
        <button
          type="button"
          className="button"
          disabled={!next}
          onClick={() => next && setPaging({ action, cursors: [...cursors, next] })}
        >
          Older entries
        </button>
      </nav>
    </section>
  );
}
