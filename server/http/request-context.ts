import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';
import type { ClientIpResolver } from '../lib/client-ip.js';
import type { RequestInfo } from '../trpc/context.js';

const REQUEST_ID = /^[\w.:-]{1,128}$/;
const MAX_USER_AGENT = 512;

declare module 'koa' {
  interface DefaultState {
    request: RequestInfo;
  }
}

/**
 * Establishes what every later layer knows about the request: its id (a well-formed incoming
 * X-Request-Id is kept, so traces join up across services), the client IP and user agent.
 */
export function requestContext(resolveClientIp: ClientIpResolver) {
  return async (ctx: Context, next: Next) => {
    const incoming = ctx.get('X-Request-Id');
    const requestId = REQUEST_ID.test(incoming) ? incoming : randomUUID();
    ctx.set('X-Request-Id', requestId);
    const userAgent = ctx.get('User-Agent');
    ctx.state.request = {
      requestId,
      ip: resolveClientIp(ctx.req),
      userAgent: userAgent ? userAgent.slice(0, MAX_USER_AGENT) : null,
      authorization: ctx.get('Authorization') || null,
    };
    await next();
  };
}
