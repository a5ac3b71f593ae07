import type { AnyTRPCRouter, TRPCError } from '@trpc/server';
import { nodeHTTPRequestHandler } from '@trpc/server/adapters/node-http';
import type { Context as KoaContext, Next } from 'koa';
import type { Logger } from '../lib/logger.js';
import type { Context } from '../trpc/context.js';
import { toAppError } from '../trpc/error-mapping.js';
import { rateLimitResponseHeaders } from '../trpc/rate-limit.js';

/** An internal error behind a tRPC call is logged with its cause; the client gets the shape. */
export function logTRPCFailure(
  logger: Logger,
  error: TRPCError,
  path: string | undefined,
  requestId: string,
): void {
  if (toAppError(error).code === 'INTERNAL_ERROR') {
    logger.error({ err: error.cause ?? error, path, requestId }, 'trpc call failed');
  }
}

/** tRPC's own node-http handler under `prefix`; it writes the response itself. */
export function trpcHandler(options: {
  router: AnyTRPCRouter;
  prefix: string;
  maxBodySize: number;
  logger: Logger;
  createContext: (ctx: KoaContext) => Context;
}) {
  const { prefix } = options;
  return async (ctx: KoaContext, next: Next) => {
    if (!ctx.path.startsWith(`${prefix}/`)) return next();
    // Koa starts every response at 404; tRPC sets its own status and writes the body itself.
    ctx.status = 200;
    ctx.respond = false;
    await nodeHTTPRequestHandler({
      router: options.router,
      req: ctx.req,
      res: ctx.res,
      path: ctx.path.slice(prefix.length + 1),
      maxBodySize: options.maxBodySize,
      createContext: () => options.createContext(ctx),
      // A 429 carries Retry-After and the RateLimit headers here too, as on REST. tRPC replaces
      // the Vary header CORS set, so Origin goes back on (appended to tRPC's own).
      responseMeta: ({ errors }) => ({
        headers: new Headers([
          ['vary', 'Origin'],
          ...Object.entries(rateLimitResponseHeaders(errors)),
        ]),
      }),
      onError: ({ error, path }) =>
        logTRPCFailure(options.logger, error, path, ctx.state.request.requestId),
    });
  };
}
