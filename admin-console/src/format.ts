/** Dates, devices and activity entries in words a support person reads at a glance. */
import type { ActivityAction, AdminActivityEntry } from '@auth-service/client';

const DATE_TIME = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export const formatDate = (date: Date | null | undefined, never = 'Never') =>
  date ? DATE_TIME.format(date) : never;

/** "Chrome on Linux" from a User-Agent; the raw string when it names no known browser. */
export function describeDevice(userAgent: string | null | undefined): string {
  if (!userAgent) return 'Unknown device';
  const browser = (
    [
      [/Edg\//, 'Edge'],
      [/OPR\//, 'Opera'],
      [/HeadlessChrome\//, 'Headless Chrome'],
      [/Chrome\//, 'Chrome'],
      [/Firefox\//, 'Firefox'],
      [/Version\/[\d.]+.*Safari\//, 'Safari'],
      [/^curl\//, 'curl'],
    ] as const
  ).find(([pattern]) => pattern.test(userAgent))?.[1];
  const system = (
    [
      [/iPhone|iPad/, 'iOS'],
      [/Android/, 'Android'],
      [/Windows/, 'Windows'],
      [/Mac OS X|Macintosh/, 'macOS'],
      [/CrOS/, 'ChromeOS'],
      [/Linux/, 'Linux'],
    ] as const
  ).find(([pattern]) => pattern.test(userAgent))?.[1];
  if (!browser) return userAgent.length > 60 ? `${userAgent.slice(0, 57)}…` : userAgent;
  return system ? `${browser} on ${system}` : browser;
}

export const ACTION_LABELS: Record<ActivityAction, string> = {
  register: 'Registered',
  login: 'Logged in',
  login_failed: 'Failed login',
  logout: 'Logged out',
  logout_all: 'All sessions ended',
  password_change: 'Password changed',
  password_reset_request: 'Password-reset link sent',
  password_reset: 'Password reset',
  profile_update: 'Profile changed',
  email_verified: 'Email verified',
  email_verification_sent: 'Verification email sent',
  session_revoked: 'Session ended',
  refresh_reuse_detected: 'Reused refresh token: session ended',
  account_deactivated: 'Account deactivated',
  staff_action: 'Staff action',
  mfa_enabled: 'Two-factor login turned on',
  mfa_disabled: 'Two-factor login turned off',
  mfa_failed: 'Wrong two-factor code',
  recovery_code_used: 'Recovery code used',
  recovery_codes_regenerated: 'New recovery codes',
  email_change_requested: 'Email change requested',
  email_changed: 'Email changed',
  account_deleted: 'Account deleted',
};

export const actionLabel = (action: string) =>
  ACTION_LABELS[action as ActivityAction] ?? action.replace(/_/g, ' ');

/** The particulars of an entry: which fields changed, how many sessions ended, on whom. */
export function describeEntry(entry: AdminActivityEntry): string {
  const metadata = entry.metadata;
  const parts: string[] = [];
  if (entry.action === 'staff_action') {
    const target = entry.target ? ` on ${entry.target.email ?? entry.target.id}` : '';
    parts.push(`${actionLabel(String(metadata.operation ?? ''))}${target}`);
  }
  const changes = metadata.changes as Record<string, { from: unknown; to: unknown }> | undefined;
  if (changes) {
    parts.push(
      Object.entries(changes)
        .map(([field, change]) => `${field}: ${String(change.from)} → ${String(change.to)}`)
        .join(', '),
    );
  }
  if (typeof metadata.sessions_revoked === 'number') {
    const count = metadata.sessions_revoked;
    parts.push(`${count} session${count === 1 ? '' : 's'} ended`);
  }
  return parts.join('; ');
}
