/** The staff API: every procedure here passes `staffProcedure` (403 for everyone else). */
import { router, staffProcedure } from '../trpc/init.js';
import { adminActivityPageOutput } from '../schemas/activity.js';
import {
  adminUserActivityInput,
  adminUserDetailOutput,
  adminUserIdInput,
  adminUserListInput,
  adminUserListOutput,
  adminUserUpdateInput,
  adminUserUpdateOutput,
} from '../schemas/admin.js';

const tags = ['admin'];

export const adminRouter = router({
  listUsers: staffProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/auth/admin/users/',
        summary: 'Users, newest first; search by email or name, filter by flags',
        tags,
      },
    })
    .input(adminUserListInput.prefault({}))
    .output(adminUserListOutput)
    .query(({ ctx, input }) => ctx.services.admin.listUsers(input)),

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
    .query(({ ctx, input }) => ctx.services.admin.getUser(ctx.viewer, input.id)),

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
      ctx.services.admin.updateUser(ctx.staff, ctx.viewer, input, ctx.request),
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
    .query(({ ctx, input }) => ctx.services.admin.userActivity(input.id, input)),
});
