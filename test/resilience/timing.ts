/** Real time, because the faults are real: a redis-server killed, a PostgreSQL connection cut. */
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Milliseconds until `check` first holds, polling every 100 ms; throws after `boundMs`. */
export async function timeUntil(check: () => Promise<boolean>, boundMs: number, what: string) {
  const started = Date.now();
  while (Date.now() - started < boundMs) {
    if (await check().catch(() => false)) return Date.now() - started;
    await sleep(100);
  }
  throw new Error(`${what}: not within ${boundMs} ms`);
}

export async function getJson(
  url: string,
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
  const text = await response.text();
  return {
    status: response.status,
    body: text ? JSON.parse(text) : null,
    headers: response.headers,
  };
}
