import type { Context, Next } from 'koa';
import type { Logger } from '../lib/logger.js';

export interface AccessLine {
  requestId: string | undefined;
  method: string;
  path: string;
  status: number;
  startedAt: number;
  ip: string | undefined;
}

/** One line per request: method, path (never the query, which may carry a token), status, time. */
function logAccess(logger: Logger, line: AccessLine): void {
  const { requestId, method, path, status, startedAt, ip } = line;
  logger.info(
    {
      requestId,
      method,
      path,
      status,
      ms: Math.round((performance.now() - startedAt) * 10) / 10,
      ip,
    },
    `${method} ${path} ${status}`,
  );
}

export function accessLog(logger: Logger) {
  return async (ctx: Context, next: Next) => {
    // Below info (LOG_LEVEL=warn), skip the timing and the line's fields altogether.
    if (!logger.isLevelEnabled('info')) return next();
    const startedAt = performance.now();
    try {
      await next();
    } finally {
      logAccess(logger, {
        requestId: ctx.state.request?.requestId,
        method: ctx.method,
        path: ctx.path,
        status: ctx.respond === false ? ctx.res.statusCode : ctx.status,
        startedAt,
        ip: ctx.state.request?.ip,
      });
    }
  };
}
