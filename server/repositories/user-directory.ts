/**
 * Users as staff see them: searched and filtered a page at a time, and locked for the changes
 * an administrator makes (the last-superuser rule needs a consistent count under concurrency).
 */
import { QueryTypes, type Sequelize } from 'sequelize';
import { beforeKey, likePattern, MICROS_SINCE_EPOCH, type PageKey } from './keyset.js';
import type { DbTransaction } from './transaction.js';
import type { UserRecord } from './types.js';

export interface UserSearch {
  limit: number;
  after?: PageKey;
  /** Part of the email or the full name, in any letter case. */
  text?: string;
  isActive?: boolean;
  isStaff?: boolean;
  isVerified?: boolean;
}

const USER_COLUMNS = `u.id, u.email::text AS "email", u.full_name AS "fullName",
  u.password_hash AS "passwordHash", u.is_active AS "isActive", u.is_staff AS "isStaff",
  u.is_superuser AS "isSuperuser", u.is_verified AS "isVerified", u.last_login AS "lastLogin",
  host(u.last_login_ip) AS "lastLoginIp", u.created_at AS "createdAt", u.updated_at AS "updatedAt"`;

export function createUserDirectoryRepository(sequelize: Sequelize) {
  return {
    async search(query: UserSearch): Promise<{ users: UserRecord[]; next: PageKey | null }> {
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
      if (query.after) {
        bind.push(query.after.at, query.after.id);
        conditions.push(beforeKey('u', bind.length - 1, 'uuid'));
      }
      bind.push(query.limit + 1);
      const rows = await sequelize.query<UserRecord & { at: string }>(
        `SELECT ${USER_COLUMNS}, ${MICROS_SINCE_EPOCH('u.created_at')} AS at
           FROM users u
          ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
          ORDER BY u.created_at DESC, u.id DESC
          LIMIT $${bind.length}`,
        { bind, type: QueryTypes.SELECT },
      );
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      return {
        users: page.map(({ at: _at, ...user }) => user),
        next: rows.length > query.limit && last ? { at: last.at, id: last.id } : null,
      };
    },

    /** The user, with its row locked until the transaction ends. */
    async findForUpdate(id: string, transaction: DbTransaction): Promise<UserRecord | null> {
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

export type UserDirectoryRepository = ReturnType<typeof createUserDirectoryRepository>;
