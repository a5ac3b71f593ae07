/**
 * What an account change is and how it is written down: who may make it (staff rules), what
 * actually changes, and the activity entries it leaves (account-service.ts makes the change).
 */
import { AppError } from '../errors.js';
import type { DbTransaction, Repositories, UserRecord } from '../repositories/index.js';
import type { UserChanges } from '../repositories/users.js';
import { assertMayActOn, recordStaffAction } from './staff-activity.js';
import type { Origin, StaffMember } from './types.js';

/** Who changes an account (not its owner): a staff member, or the operator at the CLI. */
export type Actor =
  | { kind: 'staff'; staff: StaffMember; origin: Origin }
  /** `force` lets the operator deactivate the last superuser (a compromised account). */
  | { kind: 'operator'; force?: boolean };

/** The fields an account change may set (the rest belong to logins and passwords). */
export type AccountChanges = Pick<UserChanges, 'isActive' | 'isStaff' | 'isVerified' | 'fullName'>;

/** What the operator's entries carry for origin: the CLI has no IP or user agent. */
export const FROM_CLI = { ip: null, userAgent: null };

const FIELD_NAMES: Record<keyof AccountChanges, string> = {
  fullName: 'full_name',
  isActive: 'is_active',
  isStaff: 'is_staff',
  isVerified: 'is_verified',
};

/** Staff rules: staff status is a superuser's to give, and a superuser's account theirs. */
export function authorise(staff: StaffMember, target: UserRecord, changes: AccountChanges) {
  if ('isStaff' in changes && !staff.isSuperuser) {
    throw new AppError('PERMISSION_DENIED', {
      detail: 'Only a superuser can grant or remove staff status.',
    });
  }
  assertMayActOn(staff, target);
}

export function onlyChanged(target: UserRecord, requested: AccountChanges): AccountChanges {
  return Object.fromEntries(
    Object.entries(requested).filter(
      ([field, value]) => value !== undefined && target[field as keyof AccountChanges] !== value,
    ),
  ) as AccountChanges;
}

/**
 * A staff member's change goes into both logs (staff-activity.ts); the operator's into the
 * account's, marked as made at the CLI. A deactivation is its own entry; other fields are one
 * `profile_update` naming each field with its old and new value.
 */
export async function recordAccountChange(
  repositories: Pick<Repositories, 'activity'>,
  change: {
    target: UserRecord;
    changes: AccountChanges;
    actor: Actor;
    sessionsRevoked: number;
    at: Date;
  },
  transaction: DbTransaction,
): Promise<void> {
  const { target, changes, actor, sessionsRevoked, at } = change;
  const { isActive, ...others } = changes;
  const fields = Object.keys(isActive === true ? changes : others) as Array<keyof AccountChanges>;
  const entries: Array<{ action: 'account_deactivated' | 'profile_update'; metadata: object }> = [];
  if (isActive === false) {
    entries.push({
      action: 'account_deactivated',
      metadata: { sessions_revoked: sessionsRevoked },
    });
  }
  if (fields.length) {
    entries.push({
      action: 'profile_update',
      metadata: {
        fields: fields.map((field) => FIELD_NAMES[field]),
        changes: Object.fromEntries(
          fields.map((field) => [
            FIELD_NAMES[field],
            { from: target[field], to: changes[field as keyof AccountChanges] },
          ]),
        ),
      },
    });
  }
  for (const { action, metadata } of entries) {
    if (actor.kind === 'staff') {
      const { staff, origin } = actor;
      await recordStaffAction(
        repositories,
        { staff, origin, target, action, metadata: { ...metadata }, at },
        transaction,
      );
    } else {
      await repositories.activity.record(
        {
          userId: target.id,
          action,
          ...FROM_CLI,
          metadata: { ...metadata, via: 'cli', forced: !!actor.force },
          at,
        },
        transaction,
      );
    }
  }
}
