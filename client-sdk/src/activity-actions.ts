import type { ActivityAction } from './types.js';

/**
 * Every activity action, for a filter's choices. Checked against the server's list at compile
 * time (both ways), so a new action on the server fails the SDK's build until it is added here.
 */
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
  'email_verification_sent',
  'session_revoked',
  'refresh_reuse_detected',
  'account_deactivated',
  'mfa_enabled',
  'mfa_disabled',
  'mfa_failed',
  'recovery_code_used',
  'recovery_codes_regenerated',
  'email_change_requested',
  'email_changed',
  'account_deleted',
  'staff_action',
] as const satisfies readonly ActivityAction[];

type Missing = Exclude<ActivityAction, (typeof ACTIVITY_ACTIONS)[number]>;
// A compile error here names the server's actions missing from the list above.
const everyActionListed: [Missing] extends [never] ? true : Missing = true;
void everyActionListed;
