import type { Context, Next } from 'koa';
import type { Logger } from '../lib/logger.js';

/** One line per request: method, path (never the query, which may carry a token), status, time. */
export function accessLog(logger: Logger) {
  return async (ctx: Context, next: Next) => {
    // Below info (LOG_LEVEL=warn), skip the timing and the line's fields altogether.
    if (!logger.isLevelEnabled('info')) return next();
    const started = performance.now();
    try {
      await next();
    } finally {
      const status = ctx.respond === false ? ctx.res.statusCode : ctx.status;
      logger.info(
        {
          requestId: ctx.state.request?.requestId,
          method: ctx.method,
          path: ctx.path,
          status,
          ms: Math.round((performance.now() - started) * 10) / 10,
          ip: ctx.state.request?.ip,
        },
        `${ctx.method} ${ctx.path} ${status}`,
      );
    }
  };
}
