/**
 * createHttpHandler(deps): what the HTTP server calls for each request (tests drive it too).
 *
 *   query lane: plain GET reads of query procedures, REST and tRPC (http/query-lane.ts)
 *   └─ otherwise Koa:
 *      request context → access log → error boundary → security headers (and no-store on
 *      /api/auth/ and /trpc/), CORS, allowed hosts
 *        ├─ /health/          real checks of PostgreSQL and the cache
 *        ├─ /health/live      liveness: answers while the event loop turns, checks nothing
 *        ├─ /health/ready     readiness: PostgreSQL reachable and not draining
 *        ├─ /trpc/*           tRPC (superjson)
 *        └─ /api/*            OpenAPI document, docs, and the REST bridge (JSON)
 */
import type { IncomingMessage, RequestListener } from 'node:http';
import Koa from 'koa';
import type { Dependencies } from './deps.js';
import { accessLog } from './http/access-log.js';
import { allowedHosts, createHostCheck, type HostCheck } from './http/allowed-hosts.js';
import { corsLayer } from './http/cors.js';
import { docsRouter } from './http/docs.js';
import { errorBoundary } from './http/error-boundary.js';
import { HEALTH_PATHS, healthRouter } from './http/health.js';
import { jsonBody } from './http/json-body.js';
import { buildOpenApiDocument } from './http/openapi.js';
import { createQueryLane, type RequestLane } from './http/query-lane.js';
import { describeRequest, requestContext } from './http/request-context.js';
import { createRestBridge } from './http/rest-bridge.js';
import {
  edgeHeaders,
  helmetHeaders,
  setHeaders,
  type HeaderList,
} from './http/security-headers.js';
import { trpcHandler } from './http/trpc-handler.js';
import { createClientIpResolver, type ClientIpResolver } from './lib/client-ip.js';
import { appRouter } from './routers/_app.js';
import type { Context, RequestInfo } from './trpc/context.js';

export const SERVICE_VERSION = '0.1.0';

/** What both the query lane and Koa are built from, worked out once. */
interface EdgeSettings {
  resolveClientIp: ClientIpResolver;
  hostAllowed: HostCheck;
  /** The security headers, and no-store for token-bearing paths (http/security-headers.ts). */
  headersFor: (path: string) => HeaderList;
  createContext: (request: RequestInfo) => Context;
}

function edgeSettings(deps: Dependencies): EdgeSettings {
  const { config, services } = deps;
  return {
    resolveClientIp: createClientIpResolver(config.http.trustProxy),
    hostAllowed: createHostCheck(config.http.allowedHosts),
    headersFor: edgeHeaders(helmetHeaders()),
    createContext: (request) => ({ services, request }),
  };
}

export function createHttpHandler(deps: Dependencies): RequestListener {
  const { lane, koa } = createHttpLayers(deps);
  const koaHandler = koa.callback();
  return (request, response) => {
    if (!lane(request, response)) void koaHandler(request, response);
  };
}

/** The two layers apart, for tests that compare them. */
export function createHttpLayers(deps: Dependencies): { lane: RequestLane; koa: Koa } {
  const edge = edgeSettings(deps);
  const lane = createQueryLane({
    router: appRouter,
    restPrefix: '/api',
    trpcPrefix: '/trpc',
    describeRequest: (request: IncomingMessage) => describeRequest(request, edge.resolveClientIp),
    createContext: edge.createContext,
    hostAllowed: edge.hostAllowed,
    headersFor: edge.headersFor,
    logger: deps.logger,
  });
  return { lane, koa: createKoaApp(deps, edge) };
}

function createKoaApp(deps: Dependencies, edge: EdgeSettings): Koa {
  const { config, logger } = deps;
  const app = new Koa({ proxy: false });
  const createContext = (ctx: Koa.Context): Context => edge.createContext(ctx.state.request);

  let openApiDocument: object | undefined;
  const document = () => (openApiDocument ??= buildOpenApiDocument(appRouter, SERVICE_VERSION));

  app.use(requestContext(edge.resolveClientIp));
  app.use(accessLog(logger));
  app.use(errorBoundary(logger));
  app.use((ctx, next) => {
    setHeaders(ctx.res, edge.headersFor(ctx.path));
    return next();
  });
  app.use(corsLayer(config.http.corsAllowedOrigins));
  app.use(allowedHosts(edge.hostAllowed, HEALTH_PATHS));
  app.use(healthRouter(deps.healthChecks, deps.lifecycle).routes());

  app.use(
    trpcHandler({
      router: appRouter,
      prefix: '/trpc',
      maxBodySize: config.http.bodyLimitBytes,
      maxBatchSize: config.http.trpcMaxBatchSize,
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
