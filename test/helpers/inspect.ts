/**
 * Looks at stored state behind the service's back, so tests assert what was written and not
 * only what was answered: rows in PostgreSQL, keys and TTLs in the test's own Redis database.
 */
import { performance } from 'node:perf_hooks';
import { expect } from 'chai';
import { createClient } from 'redis';
import type { AppError } from '../../server/errors.js';
import { toAppError } from '../../server/trpc/error-mapping.js';
import { testEnvironment } from '../setup.js';
import type { TestApp } from './app.js';

export { TEST_KEY_PREFIX } from './run-id.js';

const rawClient = (url: string) => createClient({ url });
export type RawRedis = ReturnType<typeof rawClient>;

/**
 * A plain client on the test Redis database, or null when the run uses the in-process store
 * (then tests about Redis itself skip). Closed when `work` ends.
 */
export async function withRawRedis<T>(work: (client: RawRedis) => Promise<T>): Promise<T | null> {
  const url = testEnvironment().redisUrl;
  if (!url) return null;
  const client = rawClient(url);
  await client.connect();
  try {
    return await work(client);
  } finally {
    client.destroy();
  }
}

export const hasRedis = () => testEnvironment().redisUrl !== null;

export const models = (testApp: TestApp) => testApp.deps.database.models;

export async function userRow(testApp: TestApp, email: string) {
  const row = await models(testApp).User.findOne({ where: { email }, raw: true });
  expect(row, `no user ${email}`).to.not.equal(null);
  return row!;
}

/** A user written straight to the database (no endpoint, no mail), e.g. with an old hash. */
export async function insertUser(
  testApp: TestApp,
  user: { email: string; passwordHash: string; fullName?: string; isActive?: boolean },
) {
  const created = await models(testApp).User.create({
    email: user.email,
    fullName: user.fullName ?? 'Grace Hopper',
    passwordHash: user.passwordHash,
    isActive: user.isActive ?? true,
  });
  return created.get({ plain: true });
}

/** What a failed tRPC call becomes on the wire: the AppError with its code and field errors. */
export async function appErrorOf(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    return toAppError(error);
  }
  throw new Error('expected the call to fail');
}

export async function elapsedMs(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The payload of a JWT, unverified: for reading claims in assertions. */
export function decodeClaims(token: string): Record<string, unknown> {
  const payload = token.split('.')[1];
  if (!payload) throw new Error('not a JWT');
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
}
