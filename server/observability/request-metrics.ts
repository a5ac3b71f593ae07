/**
 * The edge's metrics step (an observer, server/http/edge.ts): every request, whatever road it
 * took, is counted and timed by wire, operation and status class once its answer is final. The
 * operation is what dispatch recorded (the procedure path, `batch`, or the wire alone for the
 * probes, docs and console), never the URL.
 */
import type { Middleware } from 'koa';
import type { Metrics } from './metrics.js';

export function requestMetricsStep(metrics: Metrics): Middleware {
  return async (ctx, next) => {
    const startedAt = performance.now();
    try {
      await next();
    } finally {
      const status = ctx.respond === false ? ctx.res.statusCode : ctx.status;
      metrics.request(ctx.state.route, status, (performance.now() - startedAt) / 1000);
    }
  };
}
