import { z } from './messages.js';
import { withExamples } from './examples.js';
import { timestamp } from './common.js';
import { pageInput, pageOf } from './pagination.js';

/** The contract's activity actions: what the service writes and what clients may filter by. */
export const ACTIVITY_ACTION_NAMES = [
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
  'email_verification_sent',
  'mfa_enabled',
  'mfa_disabled',
  'mfa_failed',
  'recovery_code_used',
  'recovery_codes_regenerated',
  'email_change_requested',
  'email_changed',
  'account_deleted',
  'staff_action',
] as const;

const activityAction = z.enum(ACTIVITY_ACTION_NAMES, {
  error: `Choose one of: ${ACTIVITY_ACTION_NAMES.join(', ')}.`,
});

export const activityListInput = withExamples(
  pageInput('activity').extend({ action: activityAction.optional() }),
  { limit: 20, action: 'login' },
);

export const activityEntryOutput = z
  .object({
    id: z.string(),
    action: z.string(),
    ip_address: z.string().nullable(),
    user_agent: z.string().nullable(),
    created_at: timestamp,
  })
  .meta({ id: 'ActivityEntry' });

/** An account named by an activity entry; `email` is null once the account is gone. */
const accountReference = z
  .object({ id: z.string(), email: z.string().nullable() })
  .meta({ id: 'AccountReference' });

/**
 * Staff also see the metadata, and who did what: `actor` is the staff member behind an entry a
 * staff action caused (`admin_id`), `target` the account a `staff_action` entry acted on.
 */
export const adminActivityEntryOutput = activityEntryOutput
  .extend({
    metadata: z.record(z.string(), z.unknown()),
    actor: accountReference
      .nullable()
      .meta({ description: 'The staff member who caused this entry; null when the user did.' }),
    target: accountReference
      .nullable()
      .meta({ description: 'On a `staff_action` entry, the account the staff member acted on.' }),
  })
  .meta({ id: 'AdminActivityEntry' });

export const activityPageOutput = pageOf(activityEntryOutput);
export const adminActivityPageOutput = pageOf(adminActivityEntryOutput);

export type ActivityListInput = z.infer<typeof activityListInput>;
export type ActivityEntryView = z.infer<typeof activityEntryOutput>;
export type AdminActivityEntryView = z.infer<typeof adminActivityEntryOutput>;
