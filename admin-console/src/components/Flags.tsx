import type { AdminUser } from '@auth-service/client';

/** A user's flags as words, not colours alone. */
export function Flags({ user }: { user: AdminUser }) {
  return (
    <span className="flags">
      <span className={user.is_active ? 'badge' : 'badge badge-warn'}>
        {user.is_active ? 'Active' : 'Deactivated'}
      </span>
      {user.is_verified ? (
        <span className="badge">Verified</span>
      ) : (
        <span className="badge badge-muted">Unverified</span>
      )}
      {user.is_superuser ? (
        <span className="badge badge-strong">Superuser</span>
      ) : user.is_staff ? (
        <span className="badge badge-strong">Staff</span>
      ) : null}
    </span>
  );
}
