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
 * Runs a layer's work with domain errors from below (limits, guards, the procedure) turned into
 * tRPC errors; an internal error stays the one tRPC already made. A promise chain rather than an
 * async function: no promise and no turn of the microtask queue of its own, on every call.
 */
function guarded<Result extends { ok: boolean; error?: { cause?: unknown } }>(
  work: () => Promise<Result>,
): Promise<Result> {
  return work().then(
    (result) => {
      if (!result.ok) {
        const appError = toAppError(result.error);
        if (appError.code !== 'INTERNAL_ERROR' || result.error?.cause instanceof AppError) {
          throw toTRPCError(appError);
        }
      }
      return result;
    },
    (error: unknown) => {
      throw toTRPCError(toAppError(error));
    },
  );
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
 * email, or the caller) and, for guarded procedures, turns the bearer token into `ctx.viewer`
 * (and, for staff procedures, checks the account is active staff: `ctx.staff`).
 * Services are read when a call runs, never while the router is built (routers/_app.ts).
 */
export function procedureBuilders(services: GuardServices) {
  const traced = <T>(path: string, work: () => Promise<T>) =>
    services.telemetry.span(`procedure ${path}`, { 'rpc.method': path }, work);

  // Nothing is awaited for limits a procedure does not declare (every authenticated read).
  const publicLayer = t.middleware((call) =>
    traced(call.path, () =>
      guarded(async () => {
        const limits = limitsForCall(services.rateLimits, call.meta);
        if (limits) {
          await limitPerIp(limits, call.ctx.request.ip);
          await limitPerAccount(limits, async () => emailOf(await call.getRawInput()));
        }
        return call.next();
      }),
    ),
  );

  /** The caller behind the bearer token, within the limits the procedure declares. */
  async function viewerWithinLimits(
    meta: RouteMeta | undefined,
    request: RequestContext['request'],
  ) {
    const limits = limitsForCall(services.rateLimits, meta);
    if (limits) await limitPerIp(limits, request.ip);
    const viewer = await services.sessions.authenticate(request.authorization);
    if (limits) await limitPerAccount(limits, () => viewer.userId);
    return viewer;
  }

  const authenticatedLayer = t.middleware((call) =>
    traced(call.path, () =>
      guarded(async () => {
        const viewer = await viewerWithinLimits(call.meta, call.ctx.request);
        return call.next({ ctx: { viewer } });
      }),
    ),
  );

  const staffLayer = t.middleware((call) =>
    traced(call.path, () =>
      guarded(async () => {
        const viewer = await viewerWithinLimits(call.meta, call.ctx.request);
        const staff = await services.sessions.requireStaff(viewer);
        return call.next({ ctx: { viewer, staff } });
      }),
    ),
  );

  const publicProcedure = t.procedure.meta({ guard: 'public' }).use(publicLayer);
  const authedProcedure = t.procedure.meta({ guard: 'authenticated' }).use(authenticatedLayer);
  const staffProcedure = t.procedure.meta({ guard: 'staff' }).use(staffLayer);
  return { publicProcedure, authedProcedure, staffProcedure };
}

export type ProcedureBuilders = ReturnType<typeof procedureBuilders>;
