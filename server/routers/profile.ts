import { router, type ProcedureBuilders } from '../trpc/init.js';
import type { Services } from '../services/index.js';
import { updateProfileInput, updateProfileResult } from '../schemas/profile.js';
import { userOutput } from '../schemas/user.js';

const tags = ['profile'];

export function profileRouter(services: Services, { authedProcedure }: ProcedureBuilders) {
  return router({
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
      .query(({ ctx }) => services.profile.get(ctx.viewer)),

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
      .mutation(({ ctx, input }) => services.profile.update(ctx.viewer, input, ctx.request)),
  });
}
