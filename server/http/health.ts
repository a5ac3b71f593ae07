/**
 * The health endpoints, one per question an operator's tooling asks:
 *
 *   GET /health/        are PostgreSQL and the cache both reachable? (503 if either is not;
 *                       the contract's original check, for people and uptime monitors)
 *   GET /health/live    liveness: is the process serving? It answers as long as the event loop
 *                       turns and calls nothing, so no outage elsewhere gets the process restarted.
 *   GET /health/ready   readiness: should this instance get requests? 503 while PostgreSQL is
 *                       unreachable (every request would fail) and from SIGTERM until the
 *                       listener closes. A cache outage only degrades the service (sessions are
 *                       checked in PostgreSQL, rate limits count in the process), so it stays
 *                       200 and says `cache: "degraded"`: one Redis outage must not take every
 *                       instance out of the load balancer.
 *
 * Each path answers with and without its trailing slash and is exempt from ALLOWED_HOSTS
 * (kubelets and load balancers address instances by IP). Never cached.
 */
import type { Context } from 'koa';
import type { Lifecycle } from '../lib/lifecycle.js';

export type HealthCheck = () => Promise<void>;

export interface HealthChecks {
  database: HealthCheck;
  cache: HealthCheck;
}

type CheckResult = 'ok' | 'unavailable';

const CHECK_TIMEOUT_MS = 2000;
/** A client turned away by readiness may try again this soon (another instance, most likely). */
const NOT_READY_RETRY_AFTER_SECONDS = 5;

const bothSpellings = (path: string) => [`${path}/`, path];

/** Every health path, for the ALLOWED_HOSTS exemption. */
export const HEALTH_PATHS: readonly string[] = ['/health', '/health/live', '/health/ready'].flatMap(
  bothSpellings,
);

function withTimeout(check: HealthCheck): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'unavailable'>((resolve) => {
    timer = setTimeout(() => resolve('unavailable'), CHECK_TIMEOUT_MS);
  });
  const run = check().then(
    () => 'ok' as const,
    () => 'unavailable' as const,
  );
  return Promise.race([run, timeout]).finally(() => clearTimeout(timer));
}

/** Both checks at once, each bounded in time, so an answer never takes more than 2 s. */
async function runChecks(checks: HealthChecks) {
  const [database, cache] = await Promise.all([
    withTimeout(checks.database),
    withTimeout(checks.cache),
  ]);
  return { database, cache };
}

function answer(ctx: Context, healthy: boolean, checks: Record<string, string>) {
  ctx.status = healthy ? 200 : 503;
  ctx.set('Cache-Control', 'no-store');
  ctx.body = { status: healthy ? 'healthy' : 'unhealthy', service: 'auth_service', checks };
}

/** The probes' handlers by path (the route table serves each with and without its slash). */
export function healthRoutes(
  checks: HealthChecks,
  lifecycle: Lifecycle,
): Record<string, (ctx: Context) => Promise<void> | void> {
  return {
    '/health/': async (ctx) => {
      const results = await runChecks(checks);
      answer(ctx, results.database === 'ok' && results.cache === 'ok', results);
    },

    '/health/live': (ctx) => answer(ctx, true, {}),

    '/health/ready': async (ctx) => {
      // While draining the answer is settled: no round trips as the process winds down.
      const results = lifecycle.draining ? undefined : await runChecks(checks);
      if (!results || lifecycle.draining) {
        ctx.set('Retry-After', String(NOT_READY_RETRY_AFTER_SECONDS));
        return answer(ctx, false, { shutdown: 'draining' });
      }
      const ready = results.database === 'ok';
      if (!ready) ctx.set('Retry-After', String(NOT_READY_RETRY_AFTER_SECONDS));
      answer(ctx, ready, {
        database: results.database,
        cache: results.cache === 'ok' ? 'ok' : 'degraded',
      });
    },
  };
}
