/**
 * CORS: which browser origins may read the API's answers (CORS_ALLOWED_ORIGINS, or `*` for any).
 *
 * `Origin: null` is never allowed, not even by `*`: browsers send it from sandboxed iframes,
 * `data:` and `file:` documents and some redirects, so any page can make its requests come from
 * "null", and echoing it back would hand every such page the answers.
 */
import cors from '@koa/cors';
import type { Context, Middleware } from 'koa';

/**
 * `credentialedOrigins`: with AUTH_COOKIES, the origins whose page may send the refresh cookie
 * (`Access-Control-Allow-Credentials: true`); never every origin, even under `*`.
 */
export function corsLayer(
  allowedOrigins: readonly string[],
  credentialedOrigins: readonly string[] = [],
): Middleware {
  const anyOrigin = allowedOrigins.includes('*');
  const handle = cors({
    origin: (ctx: Context) => {
      const origin = ctx.get('Origin');
      if (!origin || origin === 'null') return '';
      return anyOrigin || allowedOrigins.includes(origin) ? origin : '';
    },
    allowHeaders: [
      'Authorization',
      'Content-Type',
      'X-Request-Id',
      'X-Token-Transport',
      'trpc-accept',
    ],
    credentials: (ctx: Context) => credentialedOrigins.includes(ctx.get('Origin')),
    exposeHeaders: [
      'X-Request-Id',
      'Retry-After',
      'RateLimit-Limit',
      'RateLimit-Remaining',
      'RateLimit-Reset',
      'RateLimit-Policy',
    ],
    maxAge: 600,
  });
  // A request without Origin is no browser's cross-origin request: nothing to answer for it
  // (the edge's headers already say `Vary: Origin` for caches).
  return (ctx, next) => (ctx.get('Origin') ? handle(ctx, next) : next());
}
