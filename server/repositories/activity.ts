import type { Models } from '../../db/models/index.js';
import type { ACTIVITY_ACTION_NAMES } from '../schemas/activity.js';
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

export function createActivityRepository({ ActivityLog }: Models) {
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

    async listForUser(userId: string, transaction?: DbTransaction): Promise<ActivityRecord[]> {
      return ActivityLog.findAll({
        where: { userId },
        order: [
          ['createdAt', 'DESC'],
          ['id', 'DESC'],
        ],
        raw: true,
        transaction,
      }) as Promise<ActivityRecord[]>;
    },
  };
}

export type ActivityRepository = ReturnType<typeof createActivityRepository>;
