/**
 * The service's probes (server/http/health.ts) and what each kind of health check must use:
 *
 *   liveness   /health/live   whatever restarts the process (Kubernetes liveness and startup
 *                             probes, the image's HEALTHCHECK): it calls nothing, so an outage
 *                             of PostgreSQL or Redis never restarts anything
 *   readiness  /health/ready  whatever routes traffic or gates a rollout (Kubernetes
 *                             readiness, Compose, Render, Railway): 503 without PostgreSQL and
 *                             while draining, 200 with Redis down
 *
 * `/health/` checks Redis as well (the contract's full check), so it fits neither: a Redis
 * outage would take every instance out of rotation and then restart them all.
 */
export const LIVENESS_PATH = '/health/live';
export const READINESS_PATH = '/health/ready';

/** The service answers each probe with and without its trailing slash. */
export function isProbePath(actual: unknown, expected: string): boolean {
  return actual === expected || actual === `${expected}/`;
}

/** The health paths a command line requests (a `fetch('http://...:8000/health/live')`, say). */
export function probedPaths(command: string): string[] {
  return [...command.matchAll(/\/health(?:\/[a-z]*)?\/?(?=['"`\s)]|$)/g)].map((match) => match[0]);
}

/** A command that requests exactly one health path, and that is `expected`. */
export function probesOnly(command: string, expected: string): boolean {
  const paths = probedPaths(command);
  return paths.length === 1 && isProbePath(paths[0], expected);
}

/** The shutdown the service does by default in production (server/config/http.ts). */
export const PRODUCTION_SHUTDOWN = { delaySeconds: 5, timeoutSeconds: 10 };
