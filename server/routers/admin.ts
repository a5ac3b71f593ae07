/** The staff API: every procedure here passes `staffProcedure` (403 for everyone else). */
import { router, type ProcedureBuilders } from '../trpc/init.js';
import type { Services } from '../services/index.js';
import { adminActivityPageOutput } from '../schemas/activity.js';
import { messageOutput } from '../schemas/common.js';
import { logoutAllOutput } from '../schemas/sessions.js';
import { signingKeyListOutput } from '../schemas/signing-keys.js';
import {
  adminUserActivityInput,
  adminUserDetailOutput,
  adminUserIdInput,
  adminUserListInput,
  adminUserListOutput,
  adminUserSessionInput,
  adminUserUpdateInput,
  adminUserUpdateOutput,
} from '../schemas/admin.js';

const tags = ['admin'];

export function adminRouter(services: Services, { staffProcedure }: ProcedureBuilders) {
  return router({
    listUsers: staffProcedure
      .meta({
        openapi: {
          method: 'GET',
          path: '/auth/admin/users/',
          summary: 'Users, with their count; search by email or name, filter by flags, sort',
          tags,
        },
      })
      .input(adminUserListInput.prefault({}))
      .output(adminUserListOutput)
      .query(({ input }) => services.admin.listUsers(input)),

    getUser: staffProcedure
      .meta({
        openapi: {
          method: 'GET',
          path: '/auth/admin/users/{id}/',
          summary: 'One user, with their active sessions',
          tags,
        },
      })
      .input(adminUserIdInput)
      .output(adminUserDetailOutput)
      .query(({ ctx, input }) => services.admin.getUser(ctx.viewer, input.id)),

    deleteUser: staffProcedure
      .meta({
        openapi: {
          method: 'DELETE',
          path: '/auth/admin/users/{id}/',
          summary: 'Delete the account and its personal data (as account/delete/ does)',
          description:
            'Only a superuser deletes a superuser; the last active superuser cannot be deleted (403).',
          tags,
        },
      })
      .input(adminUserIdInput)
      .output(messageOutput)
      .mutation(({ ctx, input }) =>
        services.accountLifecycle.deleteByStaff(ctx.staff, input.id, ctx.request),
      ),

    updateUser: staffProcedure
      .meta({
        openapi: {
          method: 'PATCH',
          path: '/auth/admin/users/{id}/',
          summary: 'Set is_active, is_staff (superusers only), is_verified or full_name',
          description:
            'Deactivating revokes every session at once. The last active superuser cannot be ' +
            'deactivated or lose staff status (400 VALIDATION_ERROR).',
          tags,
        },
      })
      .input(adminUserUpdateInput)
      .output(adminUserUpdateOutput)
      .mutation(({ ctx, input }) =>
        services.admin.updateUser(ctx.staff, ctx.viewer, input, ctx.request),
      ),

    userActivity: staffProcedure
      .meta({
        openapi: {
          method: 'GET',
          path: '/auth/admin/users/{id}/activity/',
          summary: "A user's activity log, newest first, with metadata",
          tags,
        },
      })
      .input(adminUserActivityInput)
      .output(adminActivityPageOutput)
      .query(({ input }) => services.admin.userActivity(input.id, input)),

    endUserSession: staffProcedure
      .meta({
        openapi: {
          method: 'DELETE',
          path: '/auth/admin/users/{id}/sessions/{session_id}/',
          summary: "End one of a user's sessions; its tokens are refused at once",
          tags,
        },
      })
      .input(adminUserSessionInput)
      .output(messageOutput)
      .mutation(({ ctx, input }) =>
        services.staffActions.endSession(ctx.staff, input.id, input.session_id, ctx.request),
      ),

    endUserSessions: staffProcedure
      .meta({
        openapi: {
          method: 'POST',
          path: '/auth/admin/users/{id}/logout-all/',
          summary: 'End every session of a user; their tokens are refused at once',
          tags,
        },
      })
      .input(adminUserIdInput)
      .output(logoutAllOutput)
      .mutation(({ ctx, input }) =>
        services.staffActions.endAllSessions(ctx.staff, input.id, ctx.request),
      ),

    sendPasswordReset: staffProcedure
      .meta({
        openapi: {
          method: 'POST',
          path: '/auth/admin/users/{id}/send-password-reset/',
          summary: 'Email the user a password-reset link (replacing any earlier one)',
          tags,
        },
      })
      .input(adminUserIdInput)
      .output(messageOutput)
      .mutation(({ ctx, input }) =>
        services.staffActions.sendPasswordReset(ctx.staff, input.id, ctx.request),
      ),

    resendVerification: staffProcedure
      .meta({
        openapi: {
          method: 'POST',
          path: '/auth/admin/users/{id}/resend-verification/',
          summary: 'Email an unverified user a new verification link (limited per account)',
          tags,
        },
      })
      .input(adminUserIdInput)
      .output(messageOutput)
      .mutation(({ ctx, input }) =>
        services.staffActions.resendVerification(ctx.staff, input.id, ctx.request),
      ),

    listKeys: staffProcedure
      .meta({
        openapi: {
          method: 'GET',
          path: '/auth/admin/keys/',
          summary: 'The signing keys: kid, algorithm, status, dates and public part only',
          tags,
        },
      })
      .output(signingKeyListOutput)
      .query(async () => ({
        results: (await services.signingKeys.list()).map((key) => ({
          kid: key.kid,
          algorithm: key.algorithm,
          status: key.status,
          created_at: key.createdAt,
          activated_at: key.activatedAt,
          superseded_at: key.supersededAt,
          retired_at: key.retiredAt,
          public_jwk: key.publicJwk,
        })),
      })),
  });
}
