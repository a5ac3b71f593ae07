/**
 * The edge: the steps every request passes, in this order, whatever it asks for (a REST call, a
 * tRPC call, a batch, a probe, the docs), written once:
 *
 *   request context   its id (a well-formed X-Request-Id is kept), client IP, user agent
 *   access log        one line when it ends: method, path, status, time (never the query)
 *   ...observers      what observability (metrics, traces) or a test adds: they wrap the rest,
 *                     so they see every answer's final status, errors included
 *   error boundary    whatever is thrown below leaves as the contract's envelope; 5xx logged
 *   headers           helmet's security headers, and no-store where tokens are answered
 *   CORS              preflights answered, allowed origins echoed, `Origin: null` never
 *   host check        ALLOWED_HOSTS (the health probes are exempt: kubelets use pod IPs)
 *
 * and then the dispatcher, which finds the route in the route table (route-table.ts). A step is
 * a Koa middleware; there is no other road in.
 */
import type { Middleware } from 'koa';
import type { Dependencies } from '../deps.js';
import { createClientIpResolver } from '../lib/client-ip.js';
import { accessLog } from './access-log.js';
import { allowedHosts, createHostCheck } from './allowed-hosts.js';
import { corsLayer } from './cors.js';
import { errorBoundary } from './error-boundary.js';
import { HEALTH_PATHS } from './health.js';
import { requestContext } from './request-context.js';
import { edgeHeaders, helmetHeaders, setHeaders } from './security-headers.js';

export type EdgeStep = Middleware;

export function edgeSteps(deps: Dependencies, extraSteps: readonly EdgeStep[] = []): EdgeStep[] {
  const { config, logger } = deps;
  const headersFor = edgeHeaders(helmetHeaders());
  return [
    requestContext(createClientIpResolver(config.http.trustProxy)),
    accessLog(logger),
    ...extraSteps,
    errorBoundary(logger),
    (ctx, next) => {
      setHeaders(ctx.res, headersFor(ctx.path));
      return next();
    },
    corsLayer(
      config.http.corsAllowedOrigins,
      config.http.authCookies.enabled ? config.http.authCookies.trustedOrigins : [],
    ),
    allowedHosts(createHostCheck(config.http.allowedHosts), HEALTH_PATHS),
  ];
}
