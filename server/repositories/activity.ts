import { QueryTypes, type Sequelize } from 'sequelize';
import type { Models } from '../../db/models/index.js';
import type { ACTIVITY_ACTION_NAMES } from '../schemas/activity.js';
import { beforeKey, MICROS_SINCE_EPOCH, type PageKey } from './keyset.js';
import type { DbTransaction } from './transaction.js';
import type { ActivityRecord, Origin } from './types.js';

/** One list for what is written and what clients may filter by: the contract's actions. */
export type ActivityAction = (typeof ACTIVITY_ACTION_NAMES)[number];

export interface NewActivity extends Origin {
  userId: string;
  action: ActivityAction;
  metadata?: Record<string, unknown>;
  at: Date;
}

export interface ActivityPageQuery {
  limit: number;
  after?: PageKey;
  actions?: string[];
  /**
   * Also look up the emails of the accounts an entry names (`admin_id`, `target_id` in its
   * metadata): staff read who did what; a person's own log never needs them.
   */
  withAccounts?: boolean;
}

/** A metadata id as a uuid, or NULL when it is absent or not one (never a cast error). */
const metadataUuid = (key: string) =>
  `(CASE WHEN a.metadata->>'${key}' ~* '^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$'
         THEN (a.metadata->>'${key}')::uuid END)`;

const ACCOUNT_JOINS = `
  LEFT JOIN users actor ON actor.id = ${metadataUuid('admin_id')}
  LEFT JOIN users target ON target.id = ${metadataUuid('target_id')}`;

interface ActivityRow {
  id: string;
  user_id: string;
  action: string;
  ip_address: string | null;
  user_agent: string | null;
  metadata: Record<string, unknown>;
  created_at: Date;
  at: string;
  actor_email?: string | null;
  target_email?: string | null;
}

export function createActivityRepository(sequelize: Sequelize, { ActivityLog }: Models) {
  return {
    /** Written in the caller's transaction, so the entry exists exactly when the change does. */
    async record(entry: NewActivity, transaction?: DbTransaction): Promise<void> {
      await ActivityLog.create(
        {
          userId: entry.userId,
          action: entry.action,
          ipAddress: entry.ip,
          userAgent: entry.userAgent,
          metadata: entry.metadata ?? {},
          createdAt: entry.at,
        },
        { transaction },
      );
    },

    /**
     * One user's entries, newest first, a page at a time (index activity_logs_user_time_idx):
     * up to `limit` after `after`, and the key of the last one when more follow.
     */
    async page(
      userId: string,
      query: ActivityPageQuery,
    ): Promise<{ entries: ActivityRecord[]; next: PageKey | null }> {
      const bind: unknown[] = [userId];
      const conditions = ['a.user_id = $1'];
      if (query.actions?.length) {
        bind.push(query.actions);
        conditions.push(`a.action = ANY($${bind.length}::text[])`);
      }
      if (query.after) {
        bind.push(query.after.at, query.after.id);
        conditions.push(beforeKey('a', bind.length - 1, 'bigint'));
      }
      bind.push(query.limit + 1);
      const rows = await sequelize.query<ActivityRow>(
        `SELECT a.id::text AS id, a.user_id, a.action, host(a.ip_address) AS ip_address,
                a.user_agent, a.metadata, a.created_at, ${MICROS_SINCE_EPOCH('a.created_at')} AS at
                ${query.withAccounts ? ', actor.email::text AS actor_email, target.email::text AS target_email' : ''}
           FROM activity_logs a ${query.withAccounts ? ACCOUNT_JOINS : ''}
          WHERE ${conditions.join(' AND ')}
          ORDER BY a.created_at DESC, a.id DESC
          LIMIT $${bind.length}`,
        { bind, type: QueryTypes.SELECT },
      );
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      return {
        entries: page.map((row) => ({
          id: row.id,
          userId: row.user_id,
          action: row.action,
          ipAddress: row.ip_address,
          userAgent: row.user_agent,
          metadata: row.metadata,
          createdAt: row.created_at,
          ...(query.withAccounts
            ? { actorEmail: row.actor_email ?? null, targetEmail: row.target_email ?? null }
            : {}),
        })),
        next: rows.length > query.limit && last ? { at: last.at, id: last.id } : null,
      };
    },
  };
}
