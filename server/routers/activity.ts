import { router, type ProcedureBuilders } from '../trpc/init.js';
import type { Services } from '../services/index.js';
import { activityListInput, activityPageOutput } from '../schemas/activity.js';

export function activityRouter(services: Services, { authedProcedure }: ProcedureBuilders) {
  return router({
    list: authedProcedure
      .meta({
        openapi: {
          method: 'GET',
          path: '/auth/activity/',
          summary: "The caller's activity log, newest first",
          description: 'Cursor-paginated: pass `next_cursor` back as `cursor` until it is null.',
          tags: ['activity'],
        },
      })
      .input(activityListInput.prefault({}))
      .output(activityPageOutput)
      .query(({ ctx, input }) => services.activity.list(ctx.viewer, input)),
  });
}
