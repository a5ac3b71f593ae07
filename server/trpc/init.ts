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

/** Turns domain errors thrown by services into tRPC errors with the right status. */
const mapDomainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok) {
    const appError = toAppError(result.error);
    if (appError.code !== 'INTERNAL_ERROR' || result.error.cause instanceof AppError) {
      throw toTRPCError(appError);
    }
  }
  return result;
});

/** The root context keeps the services opaque for the SDK's declarations; resolvers get their type. */
const typedServices = t.middleware(({ ctx, next }) =>
  next({ ctx: { services: ctx.services as Services } }),
);

export const publicProcedure = t.procedure
  .use(mapDomainErrors)
  .use(typedServices)
  // The limits a procedure declares in `meta.rateLimit`, for both wire formats (rate-limit.ts).
  .use(({ ctx, meta, getRawInput, next }) =>
    enforceRateLimits({ ...ctx, meta, getRawInput }, () => next()),
  );

export const authedProcedure = publicProcedure.use(async ({ ctx, next }) => {
  const viewer = await ctx.services.sessions.authenticate(ctx.request.authorization);
  return next({ ctx: { viewer } });
});

export const staffProcedure = authedProcedure.use(async ({ ctx, next }) => {
  const staff = await ctx.services.sessions.requireStaff(ctx.viewer);
  return next({ ctx: { staff } });
});
