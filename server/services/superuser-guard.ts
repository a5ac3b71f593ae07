/**
 * The last-superuser rule: the last active staff superuser cannot be deactivated or lose staff
 * status (by an administrator through the API, or by the `deactivate` command without --force),
 * so the service always keeps one account that can administer everything.
 */
import { fieldError } from '../errors.js';
import type { UserRecord } from '../repositories/index.js';
import type { UserChanges } from '../repositories/users.js';

/** True when the change could take an account out of the active-staff-superuser set. */
export const mayRemoveSuperuser = (changes: UserChanges) =>
  changes.isActive === false || changes.isStaff === false;

export function assertNotLastSuperuser(
  target: UserRecord,
  changes: UserChanges,
  activeSuperuserIds: string[],
): void {
  if (!mayRemoveSuperuser(changes)) return;
  const remaining = activeSuperuserIds.filter((id) => id !== target.id);
  if (!activeSuperuserIds.includes(target.id) || remaining.length > 0) return;
  const field = changes.isActive === false ? 'is_active' : 'is_staff';
  throw fieldError(
    field,
    changes.isActive === false
      ? 'This is the last active superuser account; it cannot be deactivated. Make another superuser first.'
      : 'This is the last active superuser account; it cannot lose staff status. Make another superuser first.',
  );
}
