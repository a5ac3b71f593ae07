/**
 * The one initTRPC. Guards are procedures that narrow the context type: `authedProcedure`
 * turns "maybe a user" into a definite viewer, `staffProcedure` builds on it. Resolvers never
 * check `ctx.viewer` themselves.
 */
import { initTRPC } from '@trpc/server';
import superjson from 'superjson';
import { AppError } from '../errors.js';
import type { Services } from '../services/index.js';
import type { RequestContext, RouteMeta } from './context.js';
import { toAppError, toTRPCError } from './error-mapping.js';
import { emailOf, limitPerAccount, limitPerIp, limitsForCall } from './rate-limit.js';

const t = initTRPC
  .context<RequestContext>()
  .meta<RouteMeta>()
  .create({
    transformer: superjson,
    isDev: false,
    errorFormatter({ shape, error }) {
      const appError = toAppError(error);
      const internal = appError.code === 'INTERNAL_ERROR';
      return {
        ...shape,
        message: internal ? 'An internal error occurred.' : shape.message,
        data: {
          code: shape.data.code,
          httpStatus: appError.status,
          path: shape.data.path,
          appCode: appError.code,
          errors: appError.fieldErrors ?? null,
          retryAfter: appError.retryAfterSeconds ?? null,
        },
      };
    },
  });

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/**
 * A layer's result as tRPC expects it, with a domain error from below (a limit, a guard, the
 * procedure) turned into a tRPC error; an internal error stays the one tRPC already made.
 */
function asTRPCResult<Result extends { ok: boolean; error?: { cause?: unknown } }>(
  result: Result,
): Result {
  if (!result.ok) {
    const appError = toAppError(result.error);
    if (appError.code !== 'INTERNAL_ERROR' || result.error?.cause instanceof AppError) {
      throw toTRPCError(appError);
    }
  }
  return result;
}

/** What the guards need of the app's services. */
export interface GuardServices {
  sessions: Pick<Services['sessions'], 'authenticate' | 'requireStaff'>;
  rateLimits: Services['rateLimits'];
  /** Each call runs in a span of its own, whichever wire it came by (a batch's calls too). */
  telemetry: Services['telemetry'];
}

/**
 * The procedure builders of one app, over its services. The guard is declared here, once: the
 * route table, the OpenAPI document and `npm run routes` read it from the procedure's meta
 * (operations.ts), and a test holds the SDK's list of public procedures to it.
 *
 * One layer per procedure, not one per concern: tRPC copies its call options and the context
 * for every middleware, and this runs on the authenticated hot path. The layer enforces the
 * limits a procedure declares in `meta.rateLimit` (a per-account limit counts the input's
 * email, or the caller) and, for guarded procedures, turns the bearer token into `ctx.viewer`.
 * Services are read when a call runs, never while the router is built (routers/_app.ts).
 */
export function procedureBuilders(services: GuardServices) {
  const traced = <T>(path: string, work: () => Promise<T>) =>
    services.telemetry.span(`procedure ${path}`, { 'rpc.method': path }, work);

  // One async function per call (each is a promise and a turn of the microtask queue), and
  // nothing awaited for limits a procedure does not declare.
  const publicLayer = t.middleware((call) =>
    traced(call.path, async () => {
      let result;
      try {
        const limits = limitsForCall(services.rateLimits, call.meta);
        if (limits) {
          await limitPerIp(limits, call.ctx.request.ip);
          await limitPerAccount(limits, async () => emailOf(await call.getRawInput()));
        }
        result = await call.next();
      } catch (error) {
        throw toTRPCError(toAppError(error));
      }
      return asTRPCResult(result);
    }),
  );

  const authenticatedLayer = t.middleware((call) =>
    traced(call.path, async () => {
      let result;
      try {
        const limits = limitsForCall(services.rateLimits, call.meta);
        if (limits) await limitPerIp(limits, call.ctx.request.ip);
        const viewer = await services.sessions.authenticate(call.ctx.request.authorization);
        if (limits) await limitPerAccount(limits, () => viewer.userId);
        result = await call.next({ ctx: { viewer } });
      } catch (error) {
        throw toTRPCError(toAppError(error));
      }
      return asTRPCResult(result);
    }),
  );

  const publicProcedure = t.procedure.meta({ guard: 'public' }).use(publicLayer);
  const authedProcedure = t.procedure.meta({ guard: 'authenticated' }).use(authenticatedLayer);
  const staffProcedure = authedProcedure.meta({ guard: 'staff' }).use(async ({ ctx, next }) => {
    const staff = await services.sessions.requireStaff(ctx.viewer);
    return next({ ctx: { staff } });
  });
  return { publicProcedure, authedProcedure, staffProcedure };
}

export type ProcedureBuilders = ReturnType<typeof procedureBuilders>;
