/**
 * Limits live in Redis, so instances count together; when Redis goes away mid-run the limits
 * keep working in each process (logged once) and no request fails because of it.
 */
import { expect } from 'chai';
import { testEnvironment } from '../setup.js';
import type { TestApp } from '../helpers/app.js';
import { registerUser, uniqueEmail } from '../helpers/factories.js';
import {
  closeLimitedApps,
  createLimitedApp,
  recordingLogger,
  sleep,
} from '../helpers/rate-limit.js';
import { startOwnRedis, type OwnRedis } from '../helpers/redis-server.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

const login = (testApp: TestApp, email: string, password: string) =>
  testApp.http().post('/api/auth/login/').send({ email, password });

describe('rate limits shared across instances', function () {
  this.timeout(20_000);
  afterEach(closeLimitedApps);

  beforeEach(function () {
    if (!testEnvironment().redisUrl) this.skip();
  });

  it('counts requests to two instances on one Redis together, per IP and per account', async () => {
    const env = {
      RATE_LIMIT_LOGIN_IP: '4/60',
      RATE_LIMIT_LOGIN_ACCOUNT_FAILURES: '3',
      RATE_LIMIT_LOGIN_ACCOUNT_WINDOW: '60',
    };
    const first = await createLimitedApp(env);
    const second = await createLimitedApp(env);
    const user = await registerUser(first);

    // Failures for one account, alternating between the instances, lock it on both.
    expect((await login(first, user.email, 'wrong-1')).status).to.equal(401);
    expect((await login(second, user.email, 'wrong-1')).status).to.equal(401);
    expect((await login(first, user.email, 'wrong-1')).status).to.equal(401);
    expect((await login(second, user.email, user.password)).status).to.equal(429);

    // That was the fourth request from this IP, counted across both: the fifth is refused anywhere.
    const other = uniqueEmail();
    expect((await login(first, other, 'wrong-1')).status).to.equal(429);
    expect((await login(second, other, 'wrong-1')).status).to.equal(429);
  });
});

describe('rate limits when Redis stops mid-run', function () {
  this.timeout(20_000);
  let proxy: TcpProxy | undefined;

  afterEach(async () => {
    await closeLimitedApps();
    await proxy?.close();
    proxy = undefined;
  });

  it('keeps limiting in process, logs the fallback once, and never answers 500', async function () {
    const redisUrl = testEnvironment().redisUrl;
    if (!redisUrl) return this.skip();
    const target = new URL(redisUrl);
    proxy = await startTcpProxy(Number(target.port || 6379), target.hostname);
    const { logger, lines } = recordingLogger();
    // Only the limiter's connection goes through the proxy; the rest of the app keeps its Redis.
    const testApp = await createLimitedApp(
      {
        REDIS_URL: `redis://${proxy.address}${target.pathname}`,
        REDIS_COMMAND_TIMEOUT_MS: '300',
        RATE_LIMIT_LOGIN_IP: '3/60',
        RATE_LIMIT_LOGIN_ACCOUNT_FAILURES: '2',
        RATE_LIMIT_LOGIN_ACCOUNT_WINDOW: '60',
      },
      { logger },
    );
    const user = await registerUser(testApp);
    expect((await login(testApp, uniqueEmail(), 'wrong-1')).status).to.equal(401);

    await proxy.stop();
    const statuses = [];
    for (let attempt = 0; attempt < 4; attempt += 1) {
      statuses.push((await login(testApp, uniqueEmail(), 'wrong-1')).status);
    }
    // The in-process counters start afresh: three allowed, then refused; never a 500.
    expect(statuses).to.deep.equal([401, 401, 401, 429]);
    const fallbackLines = lines.filter((line) => /rate limits: Redis unreachable/.test(line.msg));
    expect(fallbackLines, JSON.stringify(lines.map((line) => line.msg))).to.have.length(1);

    // Per-IP is used up here; a second instance-local check: the account lock works in process too.
    const fresh = await createLimitedApp(
      {
        REDIS_URL: `redis://${proxy.address}${target.pathname}`,
        REDIS_COMMAND_TIMEOUT_MS: '300',
        RATE_LIMIT_LOGIN_ACCOUNT_FAILURES: '2',
        RATE_LIMIT_LOGIN_ACCOUNT_WINDOW: '60',
      },
      { logger },
    );
    expect((await login(fresh, user.email, 'wrong-1')).status).to.equal(401);
    expect((await login(fresh, user.email, 'wrong-1')).status).to.equal(401);
    expect((await login(fresh, user.email, user.password)).status).to.equal(429);

    await proxy.start();
    for (let waited = 0; waited < 5000; waited += 100) {
      if (lines.filter((line) => /reachable again/.test(line.msg)).length >= 2) break;
      await sleep(100);
    }
    // Back on Redis, where this IP had used one of its three.
    expect((await login(testApp, uniqueEmail(), 'wrong-1')).status).to.equal(401);
    expect((await login(testApp, uniqueEmail(), 'wrong-1')).status).to.equal(401);
    expect((await login(testApp, uniqueEmail(), 'wrong-1')).status).to.equal(429);
  });
});

describe('rate limits when Redis stalls and answers again', function () {
  this.timeout(20_000);
  let redis: OwnRedis | undefined;

  afterEach(async () => {
    await closeLimitedApps();
    await redis?.close();
    redis = undefined;
  });

  it('answers a login in bounded time while Redis stalls, counts in Redis again once it answers, and logs the next outage', async () => {
    redis = await startOwnRedis();
    const { logger, lines } = recordingLogger();
    const testApp = await createLimitedApp(
      { REDIS_URL: redis.url, REDIS_COMMAND_TIMEOUT_MS: '300' },
      { logger },
    );
    const messages = (pattern: RegExp) => lines.filter((line) => pattern.test(line.msg)).length;
    const waitFor = async (pattern: RegExp, count: number) => {
      for (let waited = 0; waited < 5000 && messages(pattern) < count; waited += 100) {
        await sleep(100);
      }
      expect(messages(pattern), JSON.stringify(lines.map((line) => line.msg))).to.equal(count);
    };

    // A SIGSTOPped Redis keeps its connections open: commands time out, nothing reconnects.
    redis.stall();
    const started = Date.now();
    expect((await login(testApp, uniqueEmail(), 'wrong-1')).status).to.equal(401);
    // A few limiter checks, each bounded by the command timeout: not as long as the stall.
    expect(Date.now() - started).to.be.below(3000);
    await waitFor(/rate limits: Redis unreachable/, 1);
    redis.resume();
    await waitFor(/rate limits: Redis reachable again/, 1);

    redis.stall();
    expect((await login(testApp, uniqueEmail(), 'wrong-1')).status).to.equal(401);
    await waitFor(/rate limits: Redis unreachable/, 2);
    redis.resume();
  });
});
