import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
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
 * What every later layer knows about a request: its id (a well-formed incoming X-Request-Id is
 * kept, so traces join up across services), the client IP, the user agent and the credentials.
 */
function describeRequest(request: IncomingMessage, resolveClientIp: ClientIpResolver): RequestInfo {
  const { headers } = request;
  const incoming = headers['x-request-id'];
  const userAgent = headers['user-agent'];
  return {
    requestId: typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID(),
    ip: resolveClientIp(request),
    userAgent: userAgent ? userAgent.slice(0, MAX_USER_AGENT) : null,
    authorization: headers.authorization || null,
  };
}

/**
 * The Koa layer: describes the request and answers with its id. Not async: it has nothing to
 * do after the rest, so it hands back the rest's promise instead of wrapping it in another.
 */
export function requestContext(resolveClientIp: ClientIpResolver) {
  return (ctx: Context, next: Next) => {
    ctx.state.request = describeRequest(ctx.req, resolveClientIp);
    ctx.set('X-Request-Id', ctx.state.request.requestId);
    return next();
  };
}
