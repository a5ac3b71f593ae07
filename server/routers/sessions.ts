import { router, type ProcedureBuilders } from '../trpc/init.js';
import type { Services } from '../services/index.js';
import { messageOutput } from '../schemas/common.js';
import { sessionIdInput, sessionListOutput } from '../schemas/sessions.js';

const tags = ['sessions'];

export function sessionsRouter(services: Services, { authedProcedure }: ProcedureBuilders) {
  return router({
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
      .query(({ ctx }) => services.accountSessions.list(ctx.viewer)),

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
        services.accountSessions.revoke(ctx.viewer, input.id, ctx.request),
      ),
  });
}
