import { z } from './messages.js';
import { EXAMPLE, withExamples } from './examples.js';
import { timestamp } from './common.js';
import { fullNameField } from './person-name.js';
import { activityListInput } from './activity.js';
import { cursorOfOrdering, USERS_CURSOR_KINDS } from './cursor.js';
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
  .extend({
    last_login_user_agent: z
      .string()
      .nullable()
      .meta({ description: 'The browser or app of the last login (its User-Agent).' }),
    sessions: z.array(sessionOutput),
  })
  .meta({ id: 'AdminUserDetail' });

/** A leading `-` sorts newest first; users who never logged in count as the oldest login. */
export const USER_ORDERINGS = ['-created_at', 'created_at', '-last_login', 'last_login'] as const;
const userOrdering = z.enum(USER_ORDERINGS, {
  error: `Choose one of: ${USER_ORDERINGS.join(', ')}.`,
});

/** Each ordering pages with cursors of its own kind (schemas/cursor.ts). */
export const USERS_CURSOR_KIND = {
  '-created_at': 'users',
  created_at: 'users:created_at',
  '-last_login': 'users:-last_login',
  last_login: 'users:last_login',
} as const satisfies Record<(typeof USER_ORDERINGS)[number], (typeof USERS_CURSOR_KINDS)[number]>;

export const adminUserListInput = withExamples(
  pageInput(USERS_CURSOR_KINDS)
    .extend({
      ordering: userOrdering
        .default('-created_at')
        .meta({ description: 'Sort by joining date or last login; `-` for newest first.' }),
      search: z
        .string()
        .trim()
        .max(254)
        .optional()
        .meta({ description: 'Part of the email or full name, in any letter case.' }),
      is_active: queryBoolean.optional(),
      is_staff: queryBoolean.optional(),
      is_verified: queryBoolean.optional(),
    })
    .superRefine(cursorOfOrdering(USERS_CURSOR_KIND)),
  { limit: 20, ordering: '-last_login', search: 'lovelace', is_active: 'true' },
);

export const adminUserIdInput = withExamples(z.object({ id: userId }), { id: EXAMPLE.userId });

export const adminUserActivityInput = withExamples(activityListInput.extend({ id: userId }), {
  id: EXAMPLE.userId,
  limit: 20,
  action: 'login_failed',
});

/** Only these fields change here; anything else a client sends is ignored. */
export const adminUserUpdateInput = withExamples(
  z.object({
    id: userId,
    is_active: z.boolean().optional(),
    is_staff: z.boolean().optional(),
    is_verified: z.boolean().optional(),
    full_name: fullNameField.optional(),
  }),
  { id: EXAMPLE.userId, is_active: false },
);

export const adminUserListOutput = pageOf(adminUserOutput).extend({
  count: z
    .number()
    .int()
    .meta({ description: 'How many users match the search and filters, on all pages.' }),
});

/** `DELETE admin/users/{id}/sessions/{session_id}/`: one session of that user. */
export const adminUserSessionInput = withExamples(
  z.object({ id: userId, session_id: z.string().max(64) }),
  { id: EXAMPLE.userId, session_id: EXAMPLE.sessionId },
);
export const adminUserUpdateOutput = z.object({
  message: z.string(),
  user: adminUserDetailOutput,
});

export type AdminUserView = z.infer<typeof adminUserOutput>;
export type AdminUserDetailView = z.infer<typeof adminUserDetailOutput>;
export type UserOrdering = z.infer<typeof userOrdering>;
export type AdminUserListInput = z.infer<typeof adminUserListInput>;
export type AdminUserUpdateInput = z.infer<typeof adminUserUpdateInput>;
