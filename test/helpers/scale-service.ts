/**
 * Service processes for the scale suite: the real `server/index.ts`, configured like a
 * deployment (its own key prefix on the given Redis topology, the run's database, cheap
 * hashing), and a small HTTP client for them that never throws on a status.
 */
import { randomBytes } from 'node:crypto';
import { testEnvironment } from '../setup.js';
import { freePort, startChild, tsxArgs, type RunningService } from './spawn-service.js';

/** Shared by every instance of a test, as a deployment shares its secret. */
export const SHARED_SECRET = randomBytes(48).toString('base64url');

export function serviceSettings(redis: Record<string, string>, extra: Record<string, string> = {}) {
  return {
    NODE_ENV: 'development',
    SECRET_KEY: SHARED_SECRET,
    DATABASE_URL: testEnvironment().databaseUrl,
    MIGRATE_ON_START: 'false',
    LOG_LEVEL: 'warn',
    EMAIL_BACKEND: 'console',
    SCRYPT_LOG_N: '10',
    SHUTDOWN_DELAY_SECONDS: '0',
    TRUST_PROXY: '1',
    FRONTEND_URL: 'http://frontend.test',
    ...redis,
    ...extra,
  };
}

/** Starts `server/index.ts` on `port` (a free one by default) and waits for /health/ready. */
export async function startScaleService(
  settings: Record<string, string>,
  port?: number,
): Promise<RunningService> {
  const listenOn = port ?? (await freePort());
  const handle = startChild(tsxArgs('server/index.ts'), {
    ...settings,
    HOST: '127.0.0.1',
    PORT: String(listenOn),
  });
  const service = { ...handle, port: listenOn, baseUrl: `http://127.0.0.1:${listenOn}` };
  const deadline = Date.now() + 60_000;
  let exited = false;
  void handle.exit.then(() => (exited = true));
  for (;;) {
    const ready = await fetch(`${service.baseUrl}/health/ready`, {
      signal: AbortSignal.timeout(3000),
    }).then(
      (response) => response.status === 200,
      () => false,
    );
    if (ready) return service;
    if (exited || Date.now() > deadline) {
      await handle.kill();
      throw new Error(`service on ${listenOn} not ready: ${handle.stderr()} ${handle.stdout()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

export interface Answer {
  status: number;
  body: Record<string, unknown> & { tokens?: { access: string; refresh: string } };
}

/** One request; a network failure is status 0, so load loops can count it. */
export async function call(
  baseUrl: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; timeoutMs?: number; ip?: string } = {},
): Promise<Answer> {
  try {
    const response = await fetch(`${baseUrl}/api/auth/${path}`, {
      method,
      headers: {
        ...(options.body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
        // TRUST_PROXY=1: each call a client of its own unless the test names one, so the
        // per-IP limits only count what a test means them to.
        'X-Forwarded-For': options.ip ?? randomIp(),
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    const text = await response.text();
    try {
      return { status: response.status, body: text ? JSON.parse(text) : {} };
    } catch {
      return { status: response.status, body: { text: text.slice(0, 200) } };
    }
  } catch (error) {
    const cause = (error as Error & { cause?: Error }).cause;
    return { status: 0, body: { error: `${(error as Error).message} ${cause?.message ?? ''}` } };
  }
}

const randomIp = () => `10.${[0, 0, 0].map(() => Math.floor(Math.random() * 250) + 1).join('.')}`;

export type { RunningService };
