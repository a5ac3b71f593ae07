/**
 * Redis behind real Sentinels: a service process configured with REDIS_SENTINELS serves a read
 * and login load while its Redis master is killed (SIGKILL, as a crash); the sentinels promote
 * the replica and the service follows the new master by itself. The failed requests and the
 * time until the cache answers again are counted and bounded.
 */
import { expect } from 'chai';
import { createClient } from 'redis';
import { testEnvironment } from '../setup.js';
import { waitFor } from '../helpers/daemon.js';
import { startSentinelSet, type SentinelSetUnderTest } from '../helpers/redis-topologies.js';
import {
  call,
  serviceSettings,
  startScaleService,
  type RunningService,
} from '../helpers/scale-service.js';
import { STRONG_PASSWORD, uniqueEmail } from '../helpers/factories.js';

/** Failover: down-after 1 s, then election and promotion; the client follows within seconds. */
const RECOVERY_BOUND_MS = 15_000;

describe('Redis Sentinel failover under load', function () {
  this.timeout(90_000);
  let sentinels: SentinelSetUnderTest;
  let service: RunningService;
  const prefix = () => `${testEnvironment().redisKeyPrefix}sentinel:`;

  before(async function () {
    if (!testEnvironment().redisEnv || !testEnvironment().adminDatabaseUrl) return this.skip();
    sentinels = await startSentinelSet();
    service = await startScaleService(
      serviceSettings({
        REDIS_SENTINELS: sentinels.sentinels,
        REDIS_SENTINEL_NAME: sentinels.masterName,
        REDIS_KEY_PREFIX: prefix(),
      }),
    );
  });
  after(async () => {
    await service?.kill();
    await sentinels?.stop();
  });

  it('keeps serving reads and logins while the master dies, and writes to the new master', async () => {
    const email = uniqueEmail('failover');
    const registered = await call(service.baseUrl, 'POST', 'register/', {
      body: {
        email,
        full_name: 'Fail Over',
        password: STRONG_PASSWORD,
        password_confirm: STRONG_PASSWORD,
      },
    });
    expect(registered.status, `${JSON.stringify(registered.body)} ${service.stdout()}`).to.equal(
      201,
    );
    const access = registered.body.tokens!.access;

    const outcomes: Array<{ at: number; ok: boolean; what: string }> = [];
    let loading = true;
    // Four clients at once, each reading its profile and logging in every tenth request.
    const worker = async () => {
      for (let index = 0; loading; index += 1) {
        const login = index % 10 === 9;
        const answer = login
          ? await call(service.baseUrl, 'POST', 'login/', {
              body: { email, password: STRONG_PASSWORD },
            })
          : await call(service.baseUrl, 'GET', 'profile/', { token: access });
        outcomes.push({
          at: Date.now(),
          ok: answer.status === 200,
          what: `${login ? 'login' : 'read'} ${answer.status}`,
        });
      }
    };
    const load = Promise.all([worker(), worker(), worker(), worker()]);

    await new Promise((resolve) => setTimeout(resolve, 1000));
    const oldMaster = await sentinels.killMaster();
    const killedAt = Date.now();
    const newMaster = await waitFor(
      'a new master elected',
      async () => {
        const port = await sentinels.masterPort();
        return port !== oldMaster ? port : undefined;
      },
      RECOVERY_BOUND_MS,
      200,
    );
    const recoveredAt = await waitFor(
      'the cache healthy again',
      async () => {
        const response = await fetch(`${service.baseUrl}/health/`, {
          signal: AbortSignal.timeout(3000),
        });
        return response.status === 200 ? Date.now() : undefined;
      },
      RECOVERY_BOUND_MS,
      100,
    );
    await new Promise((resolve) => setTimeout(resolve, 1000));
    loading = false;
    await load;

    // A logout after the failover marks the session revoked on the new master.
    const logout = await call(service.baseUrl, 'POST', 'logout/', { token: access });
    expect(logout.status, JSON.stringify(logout.body)).to.equal(200);
    const raw = createClient({ socket: { host: '127.0.0.1', port: newMaster } });
    await raw.connect();
    const keys: string[] = [];
    for await (const batch of raw.scanIterator({ MATCH: `${prefix()}*`, COUNT: 1000 }))
      keys.push(...batch);
    raw.destroy();
    expect(keys.length, 'keys on the new master').to.be.above(0);
    expect((await call(service.baseUrl, 'GET', 'profile/', { token: access })).status).to.equal(
      401,
    );

    const failed = outcomes.filter((outcome) => !outcome.ok);
    const recoveryMs = recoveredAt - killedAt;
    process.stdout.write(
      `      failover: ${outcomes.length} requests, ${failed.length} failed (${[...new Set(failed.map((f) => f.what))].join(', ') || 'none'}); cache healthy again ${recoveryMs} ms after the kill\n`,
    );
    expect(recoveryMs).to.be.below(RECOVERY_BOUND_MS);
    expect(failed.length, JSON.stringify(failed.slice(0, 5))).to.be.at.most(
      Math.ceil(outcomes.length * 0.01),
    );
  });
});
