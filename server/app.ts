/**
 * createApp(deps): the Koa application, not listening (tests drive `app.callback()`).
 *
 *   request context → access log → error boundary → security headers, CORS, allowed hosts
 *     ├─ /health/          real checks of PostgreSQL and the cache
 *     ├─ /trpc/*           tRPC (superjson)
 *     └─ /api/*            OpenAPI document, docs, and the REST bridge (JSON)
 */
import cors from '@koa/cors';
import Router from '@koa/router';
import Koa, { type Context as KoaContext } from 'koa';
import helmet from 'koa-helmet';
import type { Dependencies } from './deps.js';
import { accessLog } from './http/access-log.js';
import { allowedHosts } from './http/allowed-hosts.js';
import { docsRouter } from './http/docs.js';
import { errorBoundary } from './http/error-boundary.js';
import { healthHandler } from './http/health.js';
import { jsonBody } from './http/json-body.js';
import { buildOpenApiDocument } from './http/openapi.js';
import { requestContext } from './http/request-context.js';
import { createRestBridge } from './http/rest-bridge.js';
import { trpcHandler } from './http/trpc-handler.js';
import { createClientIpResolver } from './lib/client-ip.js';
import { appRouter } from './routers/_app.js';
import type { Context } from './trpc/context.js';

export const SERVICE_VERSION = '0.1.0';

export function createApp(deps: Dependencies): Koa {
  const { config, logger, services } = deps;
  const app = new Koa({ proxy: false });
  const createContext = (ctx: KoaContext): Context => ({ services, request: ctx.state.request });

  let openApiDocument: object | undefined;
  const document = () => (openApiDocument ??= buildOpenApiDocument(appRouter, SERVICE_VERSION));

  app.use(requestContext(createClientIpResolver(config.http.trustProxy)));
  app.use(accessLog(logger));
  app.use(errorBoundary(logger));
  app.use(helmet());
  app.use(
    cors({
      origin: (ctx) => {
        const origin = ctx.get('Origin');
        return config.http.corsAllowedOrigins.includes(origin) ||
          config.http.corsAllowedOrigins.includes('*')
          ? origin
          : '';
      },
      allowHeaders: ['Authorization', 'Content-Type', 'X-Request-Id', 'trpc-accept'],
      exposeHeaders: [
        'X-Request-Id',
        'Retry-After',
        'RateLimit-Limit',
        'RateLimit-Remaining',
        'RateLimit-Reset',
        'RateLimit-Policy',
      ],
      maxAge: 600,
    }),
  );
  app.use(allowedHosts(config.http.allowedHosts, ['/health/', '/health']));

  const health = new Router({ strict: true });
  health.get(['/health/', '/health'], healthHandler(deps.healthChecks));
  app.use(health.routes());

  app.use(
    trpcHandler({
      router: appRouter,
      prefix: '/trpc',
      maxBodySize: config.http.bodyLimitBytes,
      logger,
      createContext,
    }),
  );

  app.use(docsRouter(document).routes());

  const rest = createRestBridge(appRouter, '/api', createContext);
  const parseJson = jsonBody(config.http.bodyLimitBytes);
  app.use((ctx, next) => (ctx.path.startsWith('/api/') ? parseJson(ctx, next) : next()));
  app.use(rest.routes());
  // Sets 405 (or 501 for a method it does not know) with an Allow header; the error boundary
  // turns the empty response into the envelope and keeps the header.
  app.use(rest.allowedMethods());
  return app;
}
