import type { Models } from '../../db/models/index.js';
import type { DbTransaction } from './transaction.js';
import type { ActivityRecord, Origin } from './types.js';

export const ACTIVITY_ACTIONS = [
  'register',
  'login',
  'login_failed',
  'logout',
  'logout_all',
  'password_change',
  'password_reset_request',
  'password_reset',
  'profile_update',
  'email_verified',
  'session_revoked',
  'refresh_reuse_detected',
  'account_deactivated',
] as const;

export type ActivityAction = (typeof ACTIVITY_ACTIONS)[number];

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
