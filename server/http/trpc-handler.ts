/**
 * tRPC over HTTP at `/trpc/<procedure>`.
 *
 * A single call (what the client SDK's httpLink sends: a query as GET with `?input=`, a mutation
 * as POST with a JSON body) is answered here, with the procedure found in the route table and
 * tRPC's own exported helpers for the error shape and the transformer: the JSON-RPC envelope of
 * one call is small, and tRPC's adapter would wrap every request in a Fetch `Request` and write
 * it through a WHATWG stream. Batches (`?batch=1`) and streamed answers (`trpc-accept`) go to
 * tRPC's own node adapter, which knows their formats; both arrive here through the same edge.
 */
import {
  getTRPCErrorFromUnknown,
  getTRPCErrorShape,
  transformTRPCResponse,
  TRPCError,
  type AnyTRPCProcedure,
  type AnyTRPCRouter,
} from '@trpc/server';
import { nodeHTTPRequestHandler } from '@trpc/server/adapters/node-http';
import type { Context as KoaContext } from 'koa';
import { AppError } from '../errors.js';
import type { Logger } from '../lib/logger.js';
import { createRequestContext, type RouteMeta } from '../trpc/context.js';
import { toAppError, toTRPCError } from '../trpc/error-mapping.js';
import type { Operation } from '../trpc/operations.js';
import { passwordUse, retryResponseHeaders } from '../trpc/rate-limit.js';
import { callProcedure } from './procedure-call.js';
import { BodyError, readJsonBody } from './request-body.js';
import type { Params, RouteLabel } from './route-table.js';
import { wantsCookieTransport, type TokenTransport } from './token-cookies.js';

export interface TrpcHandlerOptions {
  router: AnyTRPCRouter;
  operations: readonly Operation[];
  bodyLimitBytes: number;
  /** The most calls a batch may hold; a longer one is refused whole with a 400. */
  maxBatchSize: number;
  logger: Logger;
  /** The refresh-token cookie for single calls that ask for it (token-cookies.ts). */
  transport: TokenTransport;
  /** AUTH_COOKIES: a batch asking for the cookie transport is refused rather than ignored. */
  cookiesEnabled: boolean;
}

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
function logFailure(logger: Logger, error: TRPCError, path: string, requestId: string): void {
  if (toAppError(error).code === 'INTERNAL_ERROR') {
    logger.error({ err: error.cause ?? error, path, requestId }, 'trpc call failed');
  }
}

const QUERY_METHODS: readonly string[] = ['GET', 'HEAD'];
const MUTATION_METHODS: readonly string[] = ['POST'];

const BODY_ERROR_CODES = {
  400: 'PARSE_ERROR',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
} as const;

export function trpcHandler(options: TrpcHandlerOptions) {
  const { router, logger } = options;
  const config = router._def._config;
  // Each operation with its route label, built once like the REST routes' labels: the metrics
  // find a route's series by its label object.
  const byPath = new Map(
    options.operations.map((operation) => {
      const route: RouteLabel = { wire: 'trpc', operation: operation.path };
      return [operation.path, { operation, route }];
    }),
  );
  const unknownProcedure: RouteLabel = { wire: 'trpc', operation: null };
  const batch: RouteLabel = { wire: 'trpc', operation: 'batch' };

  /** The call's input as the client sent it, through the transformer (superjson). */
  async function readInput(ctx: KoaContext, operation: Operation): Promise<unknown> {
    let raw: unknown;
    if (operation.type === 'query') {
      const text = ctx.query.input;
      if (typeof text !== 'string') return undefined;
      try {
        raw = JSON.parse(text);
      } catch (cause) {
        throw new TRPCError({ code: 'PARSE_ERROR', message: 'Unable to parse the input', cause });
      }
    } else {
      try {
        raw = await readJsonBody(ctx, options.bodyLimitBytes, { requireType: false });
      } catch (error) {
        if (!(error instanceof BodyError)) throw error;
        throw new TRPCError({ code: BODY_ERROR_CODES[error.status], message: error.message });
      }
    }
    if (raw === undefined) return undefined;
    try {
      return config.transformer.input.deserialize(raw);
    } catch (cause) {
      throw new TRPCError({ code: 'PARSE_ERROR', message: 'Unable to parse the input', cause });
    }
  }

  async function single(ctx: KoaContext, path: string) {
    const found = byPath.get(path);
    const operation = found?.operation;
    ctx.state.route = found?.route ?? unknownProcedure;
    const procedureContext = createRequestContext(ctx.state.request);
    let input: unknown;
    let body: unknown;
    try {
      if (!operation) {
        throw new TRPCError({ code: 'NOT_FOUND', message: `No procedure found on path "${path}"` });
      }
      const methods = operation.type === 'query' ? QUERY_METHODS : MUTATION_METHODS;
      if (!methods.includes(ctx.method)) {
        throw new TRPCError({
          code: 'METHOD_NOT_SUPPORTED',
          message: `Unsupported ${ctx.method}-request to ${operation.type} procedure at path "${path}"`,
        });
      }
      input = await readInput(ctx, operation);
      const output = await options.transport(ctx, operation, input, (given) =>
        callProcedure(operation, procedureContext, given),
      );
      ctx.status = 200;
      // What transformTRPCResponse makes of a result, without its copies of the envelope.
      body = { result: { data: config.transformer.output.serialize(output) } };
    } catch (thrown) {
      answerError(ctx, thrown, path, operation?.type ?? 'unknown', input, procedureContext);
      return;
    }
    ctx.type = 'application/json';
    ctx.body = JSON.stringify(body);
  }

  /** An error in tRPC's shape, with the status and headers REST would give it. */
  function answerError(
    ctx: KoaContext,
    thrown: unknown,
    path: string,
    type: 'query' | 'mutation' | 'unknown',
    input: unknown,
    procedureContext: ReturnType<typeof createRequestContext>,
  ) {
    const error = getTRPCErrorFromUnknown(thrown);
    logFailure(logger, error, path, ctx.state.request.requestId);
    const shape = getTRPCErrorShape({ config, error, type, path, input, ctx: procedureContext });
    ctx.status = (shape.data as { httpStatus: number }).httpStatus;
    ctx.set(retryResponseHeaders([error]));
    ctx.type = 'application/json';
    ctx.body = JSON.stringify(transformTRPCResponse(config, { error: shape }));
  }

  /** tRPC's own node handler, for batches and streams; it writes the answer itself. */
  async function adapter(ctx: KoaContext, path: string) {
    ctx.state.route = batch;
    // tRPC's adapter refuses a long batch itself, but as text/plain; refused here, it is JSON.
    if (path.split(',').length > options.maxBatchSize) {
      const refusal = new TRPCError({
        code: 'BAD_REQUEST',
        message: 'Batch call exceeds maximum size',
      });
      const context = createRequestContext(ctx.state.request);
      return answerError(ctx, refusal, path, 'unknown', undefined, context);
    }
    // Koa starts every answer at 404, and tRPC's adapter keeps a status it finds set.
    ctx.status = 200;
    ctx.respond = false;
    await nodeHTTPRequestHandler({
      router,
      req: ctx.req,
      res: ctx.res,
      path,
      maxBodySize: options.bodyLimitBytes,
      maxBatchSize: options.maxBatchSize,
      // Runs before any call of the request does.
      createContext: ({ info }) => {
        refuseSecondPasswordHash(info.calls);
        if (options.cookiesEnabled && wantsCookieTransport(ctx)) {
          // Answering it with the refresh token in the body would break the promise the header asks for.
          const detail = 'The cookie token transport works on single calls, not batches.';
          throw toTRPCError(
            new AppError('VALIDATION_ERROR', {
              detail,
              fieldErrors: { non_field_errors: [detail] },
            }),
          );
        }
        return createRequestContext(ctx.state.request);
      },
      // A 429 or 503 carries Retry-After (a 429 the RateLimit headers) here too, as on REST. tRPC replaces
      // the Vary header CORS set, so Origin goes back on (appended to tRPC's own).
      responseMeta: ({ errors }) => ({
        headers: new Headers([['vary', 'Origin'], ...Object.entries(retryResponseHeaders(errors))]),
      }),
      onError: ({ error, path: callPath }) =>
        logFailure(logger, error, callPath ?? path, ctx.state.request.requestId),
    });
  }

  return (ctx: KoaContext, params: Params) => {
    const path = params['*'] ?? '';
    const streamedOrBatched = ctx.query.batch === '1' || ctx.get('trpc-accept') !== '';
    return streamedOrBatched ? adapter(ctx, path) : single(ctx, path);
  };
}
