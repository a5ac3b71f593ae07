import { router, authedProcedure } from '../trpc/init.js';
import { updateProfileInput, updateProfileResult } from '../schemas/profile.js';
import { userOutput } from '../schemas/user.js';

const tags = ['profile'];

export const profileRouter = router({
  get: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/auth/profile/',
        summary: 'The current user',
        tags,
      },
    })
    .output(userOutput)
    .query(({ ctx }) => ctx.services.profile.get(ctx.viewer)),

  update: authedProcedure
    .meta({
      openapi: {
        method: 'PUT',
        path: '/auth/profile/update/',
        summary: 'Change the full name',
        tags,
        alsoMethods: ['PATCH'],
      },
    })
    .input(updateProfileInput)
    .output(updateProfileResult)
    .mutation(({ ctx, input }) => ctx.services.profile.update(ctx.viewer, input, ctx.request)),
});
