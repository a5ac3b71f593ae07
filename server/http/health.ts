import type { Context } from 'koa';

export type HealthCheck = () => Promise<void>;

const CHECK_TIMEOUT_MS = 2000;

function withTimeout(check: HealthCheck): Promise<'ok' | 'unavailable'> {
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

/** `GET /health/`: real round trips to PostgreSQL and the cache, bounded in time; 503 if either fails. */
export function healthHandler(checks: Record<string, HealthCheck>) {
  return async (ctx: Context) => {
    const names = Object.keys(checks);
    const results = await Promise.all(names.map((name) => withTimeout(checks[name]!)));
    const report = Object.fromEntries(names.map((name, index) => [name, results[index]]));
    const healthy = results.every((result) => result === 'ok');
    ctx.status = healthy ? 200 : 503;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = {
      status: healthy ? 'healthy' : 'unhealthy',
      service: 'auth_service',
      checks: report,
    };
  };
}
