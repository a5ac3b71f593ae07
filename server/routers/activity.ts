import { router, authedProcedure } from '../trpc/init.js';
import { activityListInput, activityPageOutput } from '../schemas/activity.js';

export const activityRouter = router({
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
    .query(({ ctx, input }) => ctx.services.activity.list(ctx.viewer, input)),
});
