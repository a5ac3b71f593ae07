/**
 * Accounts and tokens for the scenarios, made through the service's own REST endpoints (so
 * every row and cached session state is exactly what a real client would leave behind).
 */
export const BENCH_PASSWORD = 'Quartz-Lantern-Orbit-4471';

export const benchEmail = (index: number) => `bench-user-${index}@bench.test`;

/** The login load: every connection signs in as one of the `users` bench accounts, in turn. */
export function loginSpec(url: string, connections: number, seconds: number, users: number) {
  return {
    title: 'login',
    url,
    method: 'POST' as const,
    connections,
    durationSeconds: seconds,
    expectStatus: 200,
    bodies: Array.from({ length: users }, (_, index) => ({
      email: benchEmail(index),
      password: BENCH_PASSWORD,
    })),
  };
}

export interface Session {
  access: string;
  refresh: string;
}

async function postJson(url: string, body: unknown, expect: number) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await response.text();
  if (response.status !== expect) {
    throw new Error(
      `POST ${url}: expected ${expect}, got ${response.status} ${text.slice(0, 200)}`,
    );
  }
  return JSON.parse(text) as Record<string, unknown>;
}

/** Runs `task` for 0..count-1, at most `parallel` at once, keeping order. */
async function inParallel<T>(count: number, parallel: number, task: (index: number) => Promise<T>) {
  const results: T[] = new Array<T>(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, count) }, async () => {
      while (next < count) {
        const index = next++;
        results[index] = await task(index);
      }
    }),
  );
  return results;
}

/** Registers the benchmark accounts (a taken email is fine: a previous run made it). */
export async function registerUsers(serviceUrl: string, count: number) {
  await inParallel(count, 4, async (index) => {
    const response = await fetch(`${serviceUrl}/api/auth/register/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        email: benchEmail(index),
        full_name: `Bench User ${index}`,
        password: BENCH_PASSWORD,
        password_confirm: BENCH_PASSWORD,
      }),
      signal: AbortSignal.timeout(60_000),
    });
    if (response.status !== 201 && response.status !== 400) {
      throw new Error(`register: ${response.status} ${await response.text()}`);
    }
  });
}

/** One fresh session per account on the service (each login is one scrypt verification). */
export function loginUsers(serviceUrl: string, count: number): Promise<Session[]> {
  return inParallel(count, 4, async (index) => {
    const body = await postJson(
      `${serviceUrl}/api/auth/login/`,
      { email: benchEmail(index), password: BENCH_PASSWORD },
      200,
    );
    return body.tokens as Session;
  });
}

/** Refresh chains on the floor server (its own table of refresh tokens). */
export function loginFloor(floorUrl: string, count: number): Promise<Session[]> {
  return inParallel(count, 4, async (index) => {
    const body = await postJson(
      `${floorUrl}/login`,
      { email: benchEmail(index), password: BENCH_PASSWORD },
      200,
    );
    return body.tokens as Session;
  });
}

/** One authenticated read per access token, so the session state is cached in Redis for both. */
export async function warmSessions(serviceUrl: string, accessTokens: string[]) {
  await inParallel(accessTokens.length, 8, async (index) => {
    const response = await fetch(`${serviceUrl}/api/auth/profile/`, {
      headers: { authorization: `Bearer ${accessTokens[index]!}` },
      signal: AbortSignal.timeout(10_000),
    });
    if (response.status !== 200) throw new Error(`profile: ${response.status}`);
    await response.arrayBuffer();
  });
}

/**
 * Sends `count` wrong-password logins at once to a service with a small hash queue: beyond
 * the queue the answer must be 503 SERVICE_UNAVAILABLE with Retry-After, never a long wait.
 */
export async function overflowCheck(serviceUrl: string, count: number) {
  const statuses: Record<string, number> = {};
  let unavailable = 0;
  let unavailableWellFormed = 0;
  let slowest = 0;
  await Promise.all(
    Array.from({ length: count }, async (_, index) => {
      const started = performance.now();
      const response = await fetch(`${serviceUrl}/api/auth/login/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: benchEmail(index % 4), password: 'wrong-password-123' }),
        signal: AbortSignal.timeout(60_000),
      });
      const body = (await response.json()) as { code?: string };
      slowest = Math.max(slowest, performance.now() - started);
      statuses[response.status] = (statuses[response.status] ?? 0) + 1;
      if (response.status === 503) {
        unavailable += 1;
        if (body.code === 'SERVICE_UNAVAILABLE' && response.headers.get('retry-after'))
          unavailableWellFormed += 1;
      }
    }),
  );
  return { statuses, unavailable, unavailableWellFormed, slowestMs: slowest };
}
