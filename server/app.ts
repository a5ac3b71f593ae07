/**
 * createHttpHandler(deps): what the HTTP server calls for each request (tests drive it too).
 * One road for every request:
 *
 *   edge (http/edge.ts): request context → access log → observers (tracing and metrics when
 *                        on, observability/edge-steps.ts; a test's) → error boundary →
 *                        headers → CORS → host check
 *   dispatch (http/route-table.ts), the one route table built from the router (http/routes.ts):
 *     ├─ /api/auth/*       the REST paths of the contract (http/rest-handler.ts)
 *     ├─ /trpc/*           tRPC, single calls and batches (http/trpc-handler.ts)
 *     ├─ /health/, /health/live, /health/ready    the probes (http/health.ts)
 *     ├─ /api/openapi.json, /api/docs/            the OpenAPI document and its reference page
 *     └─ /admin/           the admin console's static files (http/admin-console.ts)
 */
import type { RequestListener } from 'node:http';
import Koa from 'koa';
import type { Dependencies } from './deps.js';
import { edgeSteps, type EdgeStep } from './http/edge.js';
import { dispatch } from './http/route-table.js';
import { buildRouteTable } from './http/routes.js';
import { observabilitySteps } from './observability/edge-steps.js';

export interface HttpOptions {
  /** Observers added to the edge after the service's own (a test that watches every request). */
  extraEdgeSteps?: readonly EdgeStep[];
}

export function createHttpHandler(deps: Dependencies, options: HttpOptions = {}): RequestListener {
  const app = new Koa({ proxy: false });
  const observers = [...observabilitySteps(deps), ...(options.extraEdgeSteps ?? [])];
  for (const step of edgeSteps(deps, observers)) app.use(step);
  app.use(dispatch(buildRouteTable(deps)));
  return app.callback();
}
