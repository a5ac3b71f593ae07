/**
 * Users: the account rows, read and written by id and email, and searched a page at a time by
 * staff, with the row locks an administrator's changes need (the last-superuser rule counts
 * under concurrency).
 */
import { isUuid } from '../lib/ids.js';
import { QueryTypes, UniqueConstraintError, type Sequelize } from 'sequelize';
import type { Models } from '../../db/models/index.js';
import { preparedRead } from '../../db/prepared-read.js';
import { beforeKey, likePattern, MICROS_SINCE_EPOCH, type PageKey } from './keyset.js';
import type { DbTransaction } from './transaction.js';
import type { UserProfileRecord, UserRecord } from './types.js';

export class EmailTakenError extends Error {
  override name = 'EmailTakenError';
}

export interface NewUser {
  email: string;
  fullName: string;
  passwordHash: string;
  isStaff?: boolean;
  isSuperuser?: boolean;
  isVerified?: boolean;
}

export type UserChanges = Partial<
  Pick<
    UserRecord,
    | 'fullName'
    | 'passwordHash'
    | 'isActive'
    | 'isStaff'
    | 'isSuperuser'
    | 'isVerified'
    | 'lastLogin'
    | 'lastLoginIp'
  >
>;

/** Every column of `users u`, named as UserRecord names them, for the raw queries here. */
const USER_COLUMNS = `u.id, u.email::text AS "email", u.full_name AS "fullName",
  u.password_hash AS "passwordHash", u.is_active AS "isActive", u.is_staff AS "isStaff",
  u.is_superuser AS "isSuperuser", u.is_verified AS "isVerified", u.last_login AS "lastLogin",
  host(u.last_login_ip) AS "lastLoginIp", u.created_at AS "createdAt", u.updated_at AS "updatedAt"`;
const USER_BY_ID = {
  name: 'users.findById',
  text: `SELECT ${USER_COLUMNS} FROM users u WHERE u.id = $1`,
};
// The profile read, on every authenticated GET of it: every column parsed costs CPU, and the
// password hash has no business on a read path.
const PROFILE_BY_ID = {
  name: 'users.findProfileById',
  text: `SELECT id, email, full_name AS "fullName", is_verified AS "isVerified",
    is_staff AS "isStaff", created_at AS "createdAt", last_login AS "lastLogin"
    FROM users WHERE id = $1`,
};

export interface UserSearch {
  limit: number;
  after?: PageKey;
  /** Part of the email or the full name, in any letter case. */
  text?: string;
  isActive?: boolean;
  isStaff?: boolean;
  isVerified?: boolean;
  /** Joining date (the default) or last login; newest first unless `ascending`. */
  sortBy?: 'created_at' | 'last_login';
  ascending?: boolean;
}

/**
 * The last-login position in microseconds; an account that never logged in sorts as the oldest
 * (the smallest bigint), so it comes last newest-first and first oldest-first, and still pages.
 */
const LAST_LOGIN_KEY = `COALESCE((extract(epoch FROM u.last_login) * 1000000)::bigint,
  '-9223372036854775808'::bigint)`;

/** The WHERE conditions of the search and filters (not the page position), with their binds. */
function filterConditions(query: UserSearch): { conditions: string[]; bind: unknown[] } {
  const bind: unknown[] = [];
  const conditions: string[] = [];
  const flags = [
    ['is_active', query.isActive],
    ['is_staff', query.isStaff],
    ['is_verified', query.isVerified],
  ] as const;
  for (const [column, value] of flags) {
    if (value === undefined) continue;
    bind.push(value);
    conditions.push(`u.${column} = $${bind.length}`);
  }
  if (query.text) {
    bind.push(likePattern(query.text));
    conditions.push(`(u.email ILIKE $${bind.length} OR u.full_name ILIKE $${bind.length})`);
  }
  return { conditions, bind };
}

const where = (conditions: string[]) =>
  conditions.length ? `WHERE ${conditions.join(' AND ')}` : '';

export function createUserRepository(
  sequelize: Sequelize,
  { User }: Models,
  { preparedStatements }: { preparedStatements: boolean } = { preparedStatements: true },
) {
  async function page(query: UserSearch): Promise<{ users: UserRecord[]; next: PageKey | null }> {
    const { conditions, bind } = filterConditions(query);
    const byLogin = query.sortBy === 'last_login';
    const direction = query.ascending ? 'ASC' : 'DESC';
    if (query.after) {
      bind.push(query.after.at, query.after.id);
      const at = bind.length - 1;
      conditions.push(
        byLogin
          ? `(${LAST_LOGIN_KEY}, u.id) ${query.ascending ? '>' : '<'} ($${at}::bigint, $${at + 1}::uuid)`
          : beforeKey('u', at, 'uuid', query.ascending ? 'after' : 'before'),
      );
    }
    bind.push(query.limit + 1);
    // By joining date the order is the index's (users_created_at_idx), read forwards or back.
    const order = byLogin
      ? `${LAST_LOGIN_KEY} ${direction}, u.id ${direction}`
      : `u.created_at ${direction}, u.id ${direction}`;
    const rows = await sequelize.query<UserRecord & { at: string }>(
      `SELECT ${USER_COLUMNS},
              ${byLogin ? `${LAST_LOGIN_KEY}::text` : MICROS_SINCE_EPOCH('u.created_at')} AS at
         FROM users u
        ${where(conditions)}
        ORDER BY ${order}
        LIMIT $${bind.length}`,
      { bind, type: QueryTypes.SELECT },
    );
    const users = rows.slice(0, query.limit);
    const last = users.at(-1);
    return {
      users: users.map(({ at: _at, ...user }) => user),
      next: rows.length > query.limit && last ? { at: last.at, id: last.id } : null,
    };
  }

  async function count(query: UserSearch): Promise<number> {
    const { conditions, bind } = filterConditions(query);
    const rows = await sequelize.query<{ count: number }>(
      `SELECT count(*)::int AS count FROM users u ${where(conditions)}`,
      { bind, type: QueryTypes.SELECT },
    );
    return rows[0]?.count ?? 0;
  }

  return {
    /**
     * On every authenticated read (profile), so a prepared statement (db/prepared-read.ts):
     * findByPk builds its SQL and maps its rows anew on every call, and even `sequelize.query`
     * costs more CPU than the query itself (see docs/performance.md).
     */
    async findById(id: string, transaction?: DbTransaction): Promise<UserRecord | null> {
      if (!isUuid(id)) return null;
      const rows = transaction
        ? await sequelize.query<UserRecord>(USER_BY_ID.text, {
            bind: [id],
            type: QueryTypes.SELECT,
            raw: true,
            transaction,
          })
        : await preparedRead<UserRecord>(sequelize, USER_BY_ID, [id], preparedStatements);
      return rows[0] ?? null;
    },

    /** The columns of the user view alone (prepared, as findById). */
    async findProfileById(id: string): Promise<UserProfileRecord | null> {
      if (!isUuid(id)) return null;
      const rows = await preparedRead<UserProfileRecord>(
        sequelize,
        PROFILE_BY_ID,
        [id],
        preparedStatements,
      );
      return rows[0] ?? null;
    },

    /** Case-insensitive: the column is citext. */
    async findByEmail(email: string, transaction?: DbTransaction): Promise<UserRecord | null> {
      return User.findOne({
        where: { email },
        raw: true,
        transaction,
      }) as Promise<UserRecord | null>;
    },

    async create(user: NewUser, transaction?: DbTransaction): Promise<UserRecord> {
      try {
        const created = await User.create(user, { transaction });
        return created.get({ plain: true }) as UserRecord;
      } catch (error) {
        if (error instanceof UniqueConstraintError) throw new EmailTakenError(user.email);
        throw error;
      }
    },

    /**
     * Stores a new password hash; with `replacing`, only while that is still the stored hash (a
     * password set meanwhile wins). False when nothing was written.
     */
    async setPasswordHash(
      id: string,
      passwordHash: string,
      replacing: string | undefined,
      transaction: DbTransaction,
    ): Promise<boolean> {
      const where = replacing === undefined ? { id } : { id, passwordHash: replacing };
      const [count] = await User.update({ passwordHash }, { where, transaction });
      return count === 1;
    },

    async update(
      id: string,
      changes: UserChanges,
      transaction?: DbTransaction,
    ): Promise<UserRecord | null> {
      const [count, rows] = await User.update(changes, {
        where: { id },
        returning: true,
        transaction,
      });
      return count ? (rows[0]!.get({ plain: true }) as UserRecord) : null;
    },

    /** A new address, verified (its owner followed a link mailed to it); EmailTakenError if taken. */
    async setVerifiedEmail(id: string, email: string, transaction: DbTransaction) {
      try {
        const [count, rows] = await User.update(
          { email, isVerified: true },
          { where: { id }, returning: true, transaction },
        );
        return count ? (rows[0]!.get({ plain: true }) as UserRecord) : null;
      } catch (error) {
        if (error instanceof UniqueConstraintError) throw new EmailTakenError(email);
        throw error;
      }
    },

    /** Deletes the account; its sessions, tokens and second factors go with it (ON DELETE CASCADE). */
    async remove(id: string, transaction: DbTransaction): Promise<boolean> {
      return (await User.destroy({ where: { id }, transaction })) === 1;
    },

    /** One page of the matching users, and how many match on all pages. */
    async search(
      query: UserSearch,
    ): Promise<{ users: UserRecord[]; next: PageKey | null; total: number }> {
      const [found, total] = await Promise.all([page(query), count(query)]);
      return { ...found, total };
    },

    /** The user, with its row locked until the transaction ends. */
    async findForUpdate(id: string, transaction: DbTransaction): Promise<UserRecord | null> {
      if (!isUuid(id)) return null;
      const rows = await sequelize.query<UserRecord>(
        `SELECT ${USER_COLUMNS} FROM users u WHERE u.id = $1 FOR UPDATE`,
        { bind: [id], type: QueryTypes.SELECT, transaction },
      );
      return rows[0] ?? null;
    },

    /**
     * Ids of the accounts that can still administer everything (active staff superusers), each
     * row locked: two administrators demoting each other at once are serialised here, and the
     * second sees the first one's change.
     */
    async lockActiveSuperusers(transaction: DbTransaction): Promise<string[]> {
      const rows = await sequelize.query<{ id: string }>(
        `SELECT id FROM users
          WHERE is_superuser AND is_staff AND is_active
          ORDER BY id
          FOR UPDATE`,
        { type: QueryTypes.SELECT, transaction },
      );
      return rows.map((row) => row.id);
    },
  };
}
