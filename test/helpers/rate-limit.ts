/**
 * For the rate-limit suites: an app with limits switched on (testConfig switches them off for
 * every other suite), counting in the test Redis database when the run has one, with every
 * limit the test does not name set out of reach.
 */
import { pino } from 'pino';
import type { Logger } from '../../server/lib/logger.js';
import { testEnvironment } from '../setup.js';
import { createTestApp, type TestApp } from './app.js';
import { redisTime } from './redis-time.js';

const OUT_OF_REACH = '10000/60';

export function limitedEnvironment(env: Record<string, string> = {}): Record<string, string> {
  return {
    RATE_LIMIT_ENABLED: 'true',
    RATE_LIMIT_LOGIN_IP: OUT_OF_REACH,
    RATE_LIMIT_REGISTER_IP: OUT_OF_REACH,
    RATE_LIMIT_PASSWORD_RESET_IP: OUT_OF_REACH,
    RATE_LIMIT_PASSWORD_RESET_ACCOUNT: OUT_OF_REACH,
    RATE_LIMIT_REFRESH_IP: OUT_OF_REACH,
    RATE_LIMIT_VERIFY_IP: OUT_OF_REACH,
    RATE_LIMIT_LOGIN_ACCOUNT_FAILURES: '1000',
    ...testEnvironment().redisEnv,
    ...env,
  };
}

const opened: TestApp[] = [];

/** An app with rate limits on; its limiter connection closes after the test. */
export async function createLimitedApp(
  env: Record<string, string> = {},
  options: { logger?: Logger } = {},
): Promise<TestApp> {
  const testApp = await createTestApp({
    env: limitedEnvironment(env),
    overrides: options.logger ? { logger: options.logger } : {},
  });
  opened.push(testApp);
  return testApp;
}

export async function closeLimitedApps() {
  for (const testApp of opened.splice(0)) await testApp.deps.close();
}

/** A logger whose lines a test can read. */
export function recordingLogger() {
  const lines: Array<{ level: number; msg: string }> = [];
  const logger = pino(
    { level: 'debug' },
    { write: (line: string) => void lines.push(JSON.parse(line)) },
  );
  return { logger, lines };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The window of a limit whose end a test must see. With Redis it is a minute, so no test's
 * requests straddle it however loaded the machine, and `waitOut` moves the counters' TTLs past
 * it; without Redis (in-process counters on the real clock) it is two seconds, waited out.
 */
export function testWindowSeconds(): number {
  return testEnvironment().redisUrl ? 60 : 2;
}

/** Lets a Retry-After (seconds) pass for every limited app's counters, so the window has ended. */
export async function waitOut(retryAfter: string | undefined): Promise<void> {
  const seconds = Number(retryAfter ?? 1);
  const { redisUrl, redisKeyPrefix } = testEnvironment();
  if (!redisUrl) {
    await sleep(seconds * 1000 + 150);
    return;
  }
  // Where the limiter keeps its counters (lib/rate-limit/store.ts).
  const time = await redisTime(redisUrl, `${redisKeyPrefix}rate-limit:`);
  try {
    await time.advanceSeconds(seconds);
  } finally {
    await time.close();
  }
}

/** Counts password checks (real and dummy), to prove how many hashes a scenario cost. */
export function countPasswordChecks(testApp: TestApp) {
  const hasher = testApp.deps.hasher;
  const counter = { checks: 0 };
  const verify = hasher.verify.bind(hasher);
  const verifyDummy = hasher.verifyDummy.bind(hasher);
  hasher.verify = async (...args) => {
    counter.checks += 1;
    return verify(...args);
  };
  hasher.verifyDummy = async (...args) => {
    counter.checks += 1;
    return verifyDummy(...args);
  };
  return counter;
}
