/**
 * The one initTRPC. Guards are procedures that narrow the context type: `authedProcedure`
 * turns "maybe a user" into a definite viewer, `staffProcedure` builds on it. Resolvers never
 * check `ctx.viewer` themselves.
 */
import { initTRPC } from '@trpc/server';
import superjson from 'superjson';
import { AppError } from '../errors.js';
import type { Services } from '../services/contracts.js';
import type { RootContext, RouteMeta } from './context.js';
import { toAppError, toTRPCError } from './error-mapping.js';
import { enforceRateLimits } from './rate-limit.js';

const t = initTRPC
  .context<RootContext>()
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
 * The one layer every procedure passes through (one layer, not three: each tRPC middleware copies
 * the context, and this runs on the authenticated hot path):
 * - hands resolvers the services' real type (the root context keeps them opaque for the SDK);
 * - enforces the limits a procedure declares in `meta.rateLimit`, for both wire formats;
 * - turns domain errors thrown below into tRPC errors with the right status.
 */
const baseLayer = t.middleware(async ({ ctx, meta, getRawInput, next }) => {
  const services = ctx.services as Services;
  let result;
  try {
    result = await enforceRateLimits({ services, request: ctx.request, meta, getRawInput }, () =>
      next({ ctx: { services } }),
    );
  } catch (error) {
    throw toTRPCError(toAppError(error));
  }
  if (!result.ok) {
    const appError = toAppError(result.error);
    if (appError.code !== 'INTERNAL_ERROR' || result.error.cause instanceof AppError) {
      throw toTRPCError(appError);
    }
  }
  return result;
});

export const publicProcedure = t.procedure.use(baseLayer);

export const authedProcedure = publicProcedure.use(async ({ ctx, next }) => {
  const viewer = await ctx.services.sessions.authenticate(ctx.request.authorization);
  return next({ ctx: { viewer } });
});

export const staffProcedure = authedProcedure.use(async ({ ctx, next }) => {
  const staff = await ctx.services.sessions.requireStaff(ctx.viewer);
  return next({ ctx: { staff } });
});
