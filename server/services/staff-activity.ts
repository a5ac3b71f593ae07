/**
 * What a staff member does to an account is written twice, in the transaction of the change:
 * - in the account's log, as the action itself (`account_deactivated`, `session_revoked`, ...)
 *   with `admin_id` and `admin_ip` in the metadata. The entry's own IP and user agent stay
 *   empty: the account's owner reads this log, and another person's address is never shown to
 *   them; staff find the administrator's in the metadata;
 * - in the staff member's own log, as `staff_action` with `target_id` and `operation` (the
 *   action written to the account), from the staff member's own address.
 * Staff read both with the accounts resolved (`actor`, `target`), so the console shows who did what.
 */
import { AppError } from '../errors.js';
import type { ActivityAction } from '../repositories/activity.js';
import type { DbTransaction, Repositories, UserRecord } from '../repositories/index.js';
import type { Origin, StaffMember } from './types.js';

export interface StaffAction {
  staff: StaffMember;
  origin: Origin;
  target: Pick<UserRecord, 'id'>;
  action: ActivityAction;
  metadata?: Record<string, unknown>;
  at: Date;
}

export async function recordStaffAction(
  repositories: Pick<Repositories, 'activity'>,
  entry: StaffAction,
  transaction: DbTransaction,
): Promise<void> {
  const { staff, origin, target, action, metadata = {}, at } = entry;
  await repositories.activity.record(
    {
      userId: target.id,
      action,
      ip: null,
      userAgent: null,
      at,
      metadata: { ...metadata, admin_id: staff.userId, admin_ip: origin.ip },
    },
    transaction,
  );
  await repositories.activity.record(
    {
      userId: staff.userId,
      action: 'staff_action',
      ip: origin.ip,
      userAgent: origin.userAgent,
      at,
      metadata: { ...metadata, operation: action, target_id: target.id },
    },
    transaction,
  );
}

/**
 * A superuser's account is theirs to manage: other staff may neither change it nor act on it
 * (end its sessions, mail it links).
 */
export function assertMayActOn(staff: StaffMember, target: Pick<UserRecord, 'isSuperuser'>) {
  if (target.isSuperuser && !staff.isSuperuser) {
    throw new AppError('PERMISSION_DENIED', {
      detail: 'Only a superuser can change a superuser account.',
    });
  }
}
