import { z } from './messages.js';
import { timestamp } from './common.js';
import { fullNameField } from './person-name.js';
import { activityListInput } from './activity.js';
import { pageInput, pageOf, queryBoolean } from './pagination.js';
import { sessionOutput } from './sessions.js';
import { userOutput } from './user.js';

/** Path ids are any string: one that is not a UUID names no user (404, not 400). */
const userId = z.string().max(64);

export const adminUserOutput = userOutput
  .extend({
    is_active: z.boolean(),
    is_superuser: z.boolean(),
    last_login_ip: z.string().nullable(),
    updated_at: timestamp,
  })
  .meta({ id: 'AdminUser' });

export const adminUserDetailOutput = adminUserOutput
  .extend({ sessions: z.array(sessionOutput) })
  .meta({ id: 'AdminUserDetail' });

export const adminUserListInput = pageInput('users').extend({
  search: z
    .string()
    .trim()
    .max(254)
    .optional()
    .meta({ description: 'Part of the email or full name, in any letter case.' }),
  is_active: queryBoolean.optional(),
  is_staff: queryBoolean.optional(),
  is_verified: queryBoolean.optional(),
});

export const adminUserIdInput = z.object({ id: userId });

export const adminUserActivityInput = activityListInput.extend({ id: userId });

/** Only these fields change here; anything else a client sends is ignored. */
export const adminUserUpdateInput = z.object({
  id: userId,
  is_active: z.boolean().optional(),
  is_staff: z.boolean().optional(),
  is_verified: z.boolean().optional(),
  full_name: fullNameField.optional(),
});

export const adminUserListOutput = pageOf(adminUserOutput);
export const adminUserUpdateOutput = z.object({
  message: z.string(),
  user: adminUserDetailOutput,
});

export type AdminUserView = z.infer<typeof adminUserOutput>;
export type AdminUserDetailView = z.infer<typeof adminUserDetailOutput>;
export type AdminUserListInput = z.infer<typeof adminUserListInput>;
export type AdminUserUpdateInput = z.infer<typeof adminUserUpdateInput>;
