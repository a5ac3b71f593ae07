/**
 * The limiter on its own, in process and on Redis: quotas, the failed-login lockout with its
 * doubling locks, and what happens while Redis is away. Windows are a second or two, and time
 * is moved, never waited for: the in-process counters run on fake timers, the Redis ones have
 * their keys' TTLs moved (helpers/redis-time.ts).
 */
import { randomUUID } from 'node:crypto';
import FakeTimers from '@sinonjs/fake-timers';
import { expect } from 'chai';
import { createLogger } from '../../server/lib/logger.js';
import type { Logger } from '../../server/lib/logger.js';
import { openRateLimits, type OpenedRateLimits } from '../../server/lib/rate-limit/index.js';
import type { RateLimitSettings } from '../../server/lib/rate-limit/limiter.js';
import { RedisConnection } from '../../server/lib/redis-connection.js';
import { testEnvironment } from '../setup.js';
import { recordingLogger, sleep } from '../helpers/rate-limit.js';
import { redisTime } from '../helpers/redis-time.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';

const silent = createLogger({ level: 'silent', pretty: false });

function settings(overrides: Partial<RateLimitSettings> = {}): RateLimitSettings {
  const rule = { points: 3, durationSeconds: 1 };
  return {
    enabled: true,
    limits: {
      loginIp: rule,
      registerIp: rule,
      passwordResetIp: rule,
      passwordResetAccount: rule,
      refreshIp: rule,
      verifyIp: rule,
      passwordCheckIp: rule,
      passwordCheckAccount: rule,
    },
    loginLockout: { failures: 2, windowSeconds: 1, maxLockSeconds: 3 },
    ...overrides,
  };
}

function redisDb(url: string) {
  return new URL(url).pathname.replace(/^\//, '') || '0';
}

/** Limits on their own Redis connection, which closes with them. */
async function openOnRedis(
  url: string,
  commandTimeoutMs: number,
  logger: Logger,
  keyPrefix = `${testEnvironment().redisKeyPrefix}rl-unit:${randomUUID()}:`,
) {
  const connection = new RedisConnection(
    { topology: { kind: 'single', url }, keyPrefix, commandTimeoutMs },
    logger,
  );
  await connection.connect(3000);
  const limits = await openRateLimits(settings(), { redis: connection, logger });
  return Object.assign(limits, {
    close: async () => {
      await connection.close();
    },
  });
}

interface LimitsUnderTest {
  limits: OpenedRateLimits;
  /** Lets `seconds` pass for the counters. */
  advanceSeconds(seconds: number): Promise<void>;
  dispose(): Promise<void>;
}

function describeLimiter(name: string, open: () => Promise<LimitsUnderTest | null>) {
  describe(`rate limits: ${name}`, function () {
    this.timeout(15_000);
    let subject: LimitsUnderTest;
    let limits: OpenedRateLimits;
    const advanceSeconds = (seconds: number) => subject.advanceSeconds(seconds);

    beforeEach(async function () {
      const opened = await open();
      if (!opened) return this.skip();
      subject = opened;
      limits = opened.limits;
    });

    afterEach(async () => {
      await subject?.dispose();
    });

    it('allows the configured count, refuses the next with the wait, and allows again after the window', async () => {
      const verdicts = [];
      for (let i = 0; i < 4; i += 1) verdicts.push(await limits.consume('loginIp', '203.0.113.9'));
      expect(verdicts.map((verdict) => verdict.allowed)).to.deep.equal([true, true, true, false]);
      expect(verdicts.map((verdict) => verdict.remaining)).to.deep.equal([2, 1, 0, 0]);
      expect(verdicts[3]).to.deep.include({ limit: 3, windowSeconds: 1, resetSeconds: 1 });
      // Another subject and another limit have their own counters.
      expect((await limits.consume('loginIp', '203.0.113.10')).allowed).to.equal(true);
      expect((await limits.consume('registerIp', '203.0.113.9')).allowed).to.equal(true);

      await advanceSeconds(1.1);
      expect((await limits.consume('loginIp', '203.0.113.9')).allowed).to.equal(true);
    });

    /** A password check that turns out wrong. */
    const fail = async (email: string) => {
      const reservation = await limits.reservePasswordCheck(email);
      expect(reservation.verdict.allowed, `${email} may be checked`).to.equal(true);
      await reservation.failed();
    };
    /** Whether a check may run now, handing the claim straight back. */
    const verdictNow = async (email: string) => {
      const reservation = await limits.reservePasswordCheck(email);
      await reservation.release();
      return reservation.verdict;
    };

    it('locks an account after the burst of failures, for a period that doubles with each lock up to the cap', async () => {
      const email = 'victim@example.com';
      expect((await verdictNow(email)).allowed).to.equal(true);
      await fail(email);
      // This claim would take the last place in the burst.
      expect(await verdictNow(email)).to.deep.include({ allowed: true, remaining: 0 });
      await fail(email);
      expect(await verdictNow(email)).to.deep.include({ allowed: false, resetSeconds: 1 });
      // Any spelling of the email is the same account; other accounts are untouched.
      expect((await verdictNow('  VICTIM@example.com ')).allowed).to.equal(false);
      expect((await verdictNow('other@example.com')).allowed).to.equal(true);

      await advanceSeconds(1.1);
      expect((await verdictNow(email)).allowed).to.equal(true);
      await fail(email);
      await fail(email);
      expect(await verdictNow(email)).to.deep.include({ allowed: false, resetSeconds: 2 });
      await advanceSeconds(1.1);
      expect((await verdictNow(email)).allowed, 'second lock lasts 2 s').to.equal(false);
      await advanceSeconds(1);
      expect((await verdictNow(email)).allowed).to.equal(true);
      // The cap: a third lock would be 4 s, the cap is 3 s.
      await fail(email);
      await fail(email);
      expect(await verdictNow(email)).to.deep.include({ allowed: false, resetSeconds: 3 });
    });

    it('forgets failures and earlier locks after a check that succeeds', async () => {
      const email = 'forgiven@example.com';
      await fail(email);
      await fail(email);
      expect((await verdictNow(email)).allowed).to.equal(false);
      await limits.clearLoginFailures(email);
      const right = await limits.reservePasswordCheck(email);
      expect(right.verdict).to.deep.include({ allowed: true, remaining: 1 });
      await right.succeeded();
      expect(await verdictNow(email)).to.deep.include({ allowed: true, remaining: 1 });
      // The next lock starts from the first length again.
      await fail(email);
      await fail(email);
      expect(await verdictNow(email)).to.deep.include({ allowed: false, resetSeconds: 1 });
    });

    it('lets no more checks run than the burst however many claims race, and locks once', async () => {
      const email = 'raced@example.com';
      const claims = await Promise.all(
        Array.from({ length: 20 }, () => limits.reservePasswordCheck(email)),
      );
      expect(claims.filter((claim) => claim.verdict.allowed)).to.have.length(2);
      await Promise.all(claims.map((claim) => claim.failed()));
      // A second lock would have been 2 s long.
      expect(await verdictNow(email)).to.deep.include({ allowed: false, resetSeconds: 1 });
    });

    it('gives a claim back when no check ran, so it does not count', async () => {
      const email = 'unlucky@example.com';
      for (let i = 0; i < 5; i += 1) await (await limits.reservePasswordCheck(email)).release();
      expect(await verdictNow(email)).to.deep.include({ allowed: true, remaining: 1 });
    });
  });
}

// rate-limiter-flexible's in-process counters read Date.now() and expire by setTimeout: both are
// faked for these tests only (mocha keeps its own timers).
describeLimiter('in process', async () => {
  const clock = FakeTimers.install({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
  const limits = await openRateLimits(settings(), { redis: null, logger: silent });
  return {
    limits,
    advanceSeconds: async (seconds) => void (await clock.tickAsync(seconds * 1000)),
    async dispose() {
      await limits.close();
      clock.uninstall();
    },
  };
});

describeLimiter('on Redis', async () => {
  const url = testEnvironment().redisUrl;
  if (!url) return null;
  const keyPrefix = `${testEnvironment().redisKeyPrefix}rl-unit:${randomUUID()}:`;
  const limits = await openOnRedis(url, 500, silent, keyPrefix);
  const time = await redisTime(url, keyPrefix);
  return {
    limits,
    advanceSeconds: (seconds) => time.advanceSeconds(seconds),
    async dispose() {
      await limits.close();
      await time.close();
    },
  };
});

describe('rate limits when switched off', () => {
  it('allow everything, however often', async () => {
    const { logger, lines } = recordingLogger();
    const limits = await openRateLimits(settings({ enabled: false }), { redis: null, logger });
    for (let i = 0; i < 10; i += 1) {
      expect((await limits.consume('loginIp', '203.0.113.9')).allowed).to.equal(true);
      await (await limits.reservePasswordCheck('someone@example.com')).failed();
    }
    expect((await limits.reservePasswordCheck('someone@example.com')).verdict.allowed).to.equal(
      true,
    );
    expect(lines.filter((line) => /RATE_LIMIT_ENABLED=false/.test(line.msg))).to.have.length(1);
  });
});

describe('rate limits on Redis when Redis goes away', function () {
  this.timeout(15_000);

  it('keep counting in process, log the fallback once, and return to Redis when it is back', async function () {
    const url = testEnvironment().redisUrl;
    if (!url) return this.skip();
    const proxy = await startTcpProxy(Number(new URL(url).port || 6379));
    const { logger, lines } = recordingLogger();
    const limits = await openOnRedis(`redis://${proxy.address}/${redisDb(url)}`, 300, logger);
    try {
      expect((await limits.consume('loginIp', '198.51.100.1')).allowed).to.equal(true);
      await proxy.stop();

      const verdicts = [];
      for (let i = 0; i < 5; i += 1) verdicts.push(await limits.consume('loginIp', '198.51.100.2'));
      expect(verdicts.map((verdict) => verdict.allowed)).to.deep.equal([
        true,
        true,
        true,
        false,
        false,
      ]);
      await (await limits.reservePasswordCheck('down@example.com')).failed();
      await (await limits.reservePasswordCheck('down@example.com')).failed();
      expect((await limits.reservePasswordCheck('down@example.com')).verdict.allowed).to.equal(
        false,
      );
      const fallbacks = lines.filter((line) => /Redis unreachable/.test(line.msg));
      expect(fallbacks, JSON.stringify(lines)).to.have.length(1);
      expect(fallbacks[0]!.level).to.equal(40); // warn

      await proxy.start();
      for (let waited = 0; waited < 5000; waited += 100) {
        if (lines.some((line) => /reachable again/.test(line.msg))) break;
        await sleep(100);
      }
      expect(lines.some((line) => /reachable again/.test(line.msg))).to.equal(true);
      // Back on Redis: a fresh counter there.
      expect(await limits.consume('loginIp', '198.51.100.2')).to.deep.include({
        allowed: true,
        remaining: 2,
      });
    } finally {
      await limits.close();
      await proxy.close();
    }
  });
});
