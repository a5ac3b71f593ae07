import type { AnyTRPCProcedure, AnyTRPCRouter, TRPCError } from '@trpc/server';
import { nodeHTTPRequestHandler } from '@trpc/server/adapters/node-http';
import type { Context as KoaContext, Next } from 'koa';
import { AppError } from '../errors.js';
import type { Logger } from '../lib/logger.js';
import type { Context, RouteMeta } from '../trpc/context.js';
import { toAppError, toTRPCError } from '../trpc/error-mapping.js';
import { passwordUse, rateLimitResponseHeaders } from '../trpc/rate-limit.js';

/**
 * A password hash is the most expensive thing a call can ask for, and the hash queue is shared
 * by every user: one request gets at most one, however it batches its calls (a batch of
 * password checks would also be a brute force that no per-request limit sees in time).
 */
function refuseSecondPasswordHash(calls: ReadonlyArray<{ procedure: AnyTRPCProcedure | null }>) {
  const hashing = calls.filter((call) =>
    passwordUse(call.procedure?._def.meta as RouteMeta | undefined),
  );
  if (hashing.length > 1) {
    const detail = 'A batch may hold at most one call that checks or sets a password.';
    throw toTRPCError(
      new AppError('VALIDATION_ERROR', { detail, fieldErrors: { non_field_errors: [detail] } }),
    );
  }
}

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
  /** The most calls a batch may hold; a longer one is refused whole with a 400. */
  maxBatchSize: number;
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
      maxBatchSize: options.maxBatchSize,
      // Runs before any call of the request does.
      createContext: ({ info }) => {
        refuseSecondPasswordHash(info.calls);
        return options.createContext(ctx);
      },
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
