import { router, authedProcedure } from '../trpc/init.js';
import { messageOutput } from '../schemas/common.js';
import { sessionIdInput, sessionListOutput } from '../schemas/sessions.js';

const tags = ['sessions'];

export const sessionsRouter = router({
  list: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/auth/sessions/',
        summary: "The caller's active sessions, one per login",
        tags,
      },
    })
    .output(sessionListOutput)
    .query(({ ctx }) => ctx.services.accountSessions.list(ctx.viewer)),

  revoke: authedProcedure
    .meta({
      openapi: {
        method: 'DELETE',
        path: '/auth/sessions/{id}/',
        summary: 'End one session (ending the current one logs out)',
        tags,
      },
    })
    .input(sessionIdInput)
    .output(messageOutput)
    .mutation(({ ctx, input }) =>
      ctx.services.accountSessions.revoke(ctx.viewer, input.id, ctx.request),
    ),
});
