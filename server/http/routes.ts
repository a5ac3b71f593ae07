/**
 * What the route table holds: every operation of the router at its REST path and at the tRPC
 * endpoint, and the service's own pages (health probes, the OpenAPI document and docs, the admin
 * console).
 */
import type { Dependencies } from '../deps.js';
import { createAppRouter } from '../routers/app-router.js';
import { operationsOf } from '../trpc/operations.js';
import { adminConsoleRoutes } from './admin-console.js';
import { docsRoutes } from './docs.js';
import { healthRoutes } from './health.js';
import { introspectionHandler } from './introspection.js';
import { buildOpenApiDocument } from './openapi.js';
import { restHandler } from './rest-handler.js';
import { RouteTable } from './route-table.js';
import { tokenTransport } from './token-cookies.js';
import { trpcHandler } from './trpc-handler.js';
import { INTROSPECTION_PATH, wellKnownRoutes } from './well-known.js';

export const SERVICE_VERSION = '0.1.0';
export const REST_PREFIX = '/api';
const TRPC_PREFIX = '/trpc';

const SERVICE = { wire: 'service', operation: null } as const;

/** `/auth/sessions/{id}/` → `/auth/sessions/:id/`, find-my-way's spelling. */
const routerPath = (path: string) => path.replace(/\{(\w+)\}/g, ':$1');

export function buildRouteTable(deps: Dependencies): RouteTable {
  const { config } = deps;
  const appRouter = createAppRouter(deps.services);
  const operations = operationsOf(appRouter);
  const table = new RouteTable();
  const transport = tokenTransport(config.http.authCookies, config.jwt.refreshTokenLifetimeSeconds);

  for (const [path, handler] of Object.entries(healthRoutes(deps.healthChecks, deps.lifecycle))) {
    table.add(['GET'], path, handler, SERVICE);
  }
  let document: object | undefined;
  const openApiDocument = () => (document ??= buildOpenApiDocument(appRouter, SERVICE_VERSION));
  for (const [path, handler] of Object.entries(docsRoutes(openApiDocument))) {
    table.add(['GET'], path, handler, SERVICE);
  }
  for (const [path, handler] of Object.entries(wellKnownRoutes(deps.keyRing, config.jwt.issuer))) {
    table.add(['GET'], path, handler, SERVICE);
  }
  table.add(
    ['POST'],
    INTROSPECTION_PATH,
    introspectionHandler({
      clients: config.introspectionClients,
      sessions: deps.services.sessions,
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
      bodyLimitBytes: config.http.bodyLimitBytes,
    }),
    { wire: 'rest', operation: 'auth.introspect' },
  );
  for (const [path, handler] of Object.entries(
    adminConsoleRoutes(config.http.adminConsoleDir, {
      cookies: config.http.authCookies.enabled,
    }),
  )) {
    table.add(['GET'], path, handler, SERVICE);
  }

  for (const operation of operations) {
    if (!operation.rest) continue;
    const handler = restHandler(operation, {
      bodyLimitBytes: config.http.bodyLimitBytes,
      transport,
    });
    table.add(operation.rest.methods, `${REST_PREFIX}${routerPath(operation.rest.path)}`, handler, {
      wire: 'rest',
      operation: operation.path,
    });
  }
  table.add(
    ['GET', 'POST'],
    `${TRPC_PREFIX}/*`,
    trpcHandler({
      router: appRouter,
      operations,
      bodyLimitBytes: config.http.bodyLimitBytes,
      maxBatchSize: config.http.trpcMaxBatchSize,
      logger: deps.logger,
      transport,
      cookiesEnabled: config.http.authCookies.enabled,
    }),
    { wire: 'trpc', operation: null },
  );
  return table;
}
