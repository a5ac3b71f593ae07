/**
 * GET /health/ and the readiness probe make real round trips to PostgreSQL and Redis. The app
 * here is built the way the process builds it (buildDependencies from a Config), but its
 * DATABASE_URL and REDIS_URL go through TCP proxies, so a test can "stop" or "hang" either
 * server for this app alone and watch the service report it, answer in bounded time, and
 * recover without a rebuild. (Readiness during the shutdown drain: graceful-shutdown.test.ts.)
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import supertest from 'supertest';
import { createHttpHandler } from '../../server/app.js';
import { buildDependencies, type Dependencies } from '../../server/deps.js';
import { createLogger } from '../../server/lib/logger.js';
import { ScryptPasswordHasher } from '../../server/lib/password-hasher.js';
import { testEnvironment } from '../setup.js';
import { testConfig } from '../helpers/app.js';
import { RecordingMailer } from '../helpers/recording-mailer.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

// Under the probes' timeoutSeconds (3, deploy/kubernetes), with the checks' own 2 s bound
// (http/health.ts) and room for a loaded machine between them.
const HEALTH_BOUND_MS = 2900;
const RECOVERY_BOUND_MS = 8000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function throughProxy(url: string, proxy: TcpProxy): string {
  const parsed = new URL(url);
  parsed.host = proxy.address;
  return parsed.toString();
}

describe('GET /health/ with PostgreSQL and Redis behind proxies', function () {
  // The proof is in the bounds below (each answer, the recovery); this only stops a hang.
  this.timeout(60_000);
  let postgresProxy: TcpProxy;
  let redisProxy: TcpProxy;
  let deps: Dependencies;
  let http: () => supertest.Agent;

  before(async function () {
    const environment = testEnvironment();
    if (!environment.redisUrl) return this.skip();
    const database = new URL(environment.databaseUrl);
    const redis = new URL(environment.redisUrl);
    postgresProxy = await startTcpProxy(Number(database.port || 5432), database.hostname);
    redisProxy = await startTcpProxy(Number(redis.port || 6379), redis.hostname);

    const config = testConfig({
      DATABASE_URL: throughProxy(environment.databaseUrl, postgresProxy),
      REDIS_URL: throughProxy(environment.redisUrl, redisProxy),
      REDIS_KEY_PREFIX: `${environment.redisKeyPrefix}health:${randomUUID()}:`,
      DB_POOL_MAX: '3',
      // A silent connection is given up 2 s after this; short, so the black-hole case is quick.
      DB_STATEMENT_TIMEOUT_MS: '1000',
    });
    deps = await buildDependencies(config, {
      mailer: new RecordingMailer(),
      logger: createLogger({ level: 'silent', pretty: false }),
      hasher: new ScryptPasswordHasher(config.passwords.scrypt, {
        concurrency: 2,
        queueLimit: 100,
      }),
    });
    const callback = createHttpHandler(deps);
    http = () => supertest.agent(callback);
  });

  afterEach(async () => {
    // Whatever a test did, both servers are reachable again for the next one.
    redisProxy?.resume();
    postgresProxy?.resume();
    await redisProxy?.start();
    await postgresProxy?.start();
  });

  after(async () => {
    await deps?.close();
    await redisProxy?.close();
    await postgresProxy?.close();
  });

  /** GET `path`, asserting it answers within the bound whatever the dependencies do. */
  async function health(path = '/health/') {
    const started = Date.now();
    const response = await http().get(path);
    const elapsed = Date.now() - started;
    expect(elapsed, `${path} must answer within its bound`).to.be.below(HEALTH_BOUND_MS);
    return response;
  }

  /** Liveness is 200 whatever PostgreSQL and Redis do: an outage must never restart the pod. */
  async function expectAlive() {
    for (const path of ['/health/live/', '/health/live']) {
      const response = await health(path);
      expect(response.status, path).to.equal(200);
      expect(response.body, path).to.deep.equal({
        status: 'healthy',
        service: 'auth_service',
        checks: {},
      });
    }
  }

  async function expectHealthyAgain() {
    const deadline = Date.now() + RECOVERY_BOUND_MS;
    for (;;) {
      const response = await health();
      if (response.status === 200) {
        expect(response.body.checks).to.deep.equal({ database: 'ok', cache: 'ok' });
        return;
      }
      if (Date.now() > deadline) {
        throw new Error(
          `still unhealthy after ${RECOVERY_BOUND_MS} ms: ${JSON.stringify(response.body)}`,
        );
      }
      await sleep(200);
    }
  }

  it('answers 200 healthy with both checks ok', async () => {
    const response = await health();
    expect(response.status).to.equal(200);
    expect(response.body).to.deep.equal({
      status: 'healthy',
      service: 'auth_service',
      checks: { database: 'ok', cache: 'ok' },
    });
    expect(response.headers['cache-control']).to.equal('no-store');
    const withoutSlash = await http().get('/health');
    expect(withoutSlash.status).to.equal(200);
  });

  it('turns 503 naming the cache while Redis is stopped, and 200 when it returns', async () => {
    await redisProxy.stop();
    const response = await health();
    expect(response.status).to.equal(503);
    expect(response.body).to.deep.equal({
      status: 'unhealthy',
      service: 'auth_service',
      checks: { database: 'ok', cache: 'unavailable' },
    });

    await redisProxy.start();
    await expectHealthyAgain();
  });

  it('turns 503 naming the database while PostgreSQL is stopped, and 200 when it returns', async () => {
    await health(); // a pooled connection exists, which the outage must cut
    await postgresProxy.stop();
    const response = await health();
    expect(response.status).to.equal(503);
    expect(response.body).to.deep.equal({
      status: 'unhealthy',
      service: 'auth_service',
      checks: { database: 'unavailable', cache: 'ok' },
    });

    await postgresProxy.start();
    await expectHealthyAgain();
  });

  it('answers in bounded time while PostgreSQL hangs, and recovers', async () => {
    await health();
    postgresProxy.hang();
    const response = await health();
    expect(response.status).to.equal(503);
    expect(response.body.checks).to.deep.equal({ database: 'unavailable', cache: 'ok' });

    postgresProxy.resume();
    await expectHealthyAgain();
  });

  it('answers in bounded time while Redis hangs, and recovers', async () => {
    await health();
    redisProxy.hang();
    const response = await health();
    expect(response.status).to.equal(503);
    expect(response.body.checks).to.deep.equal({ database: 'ok', cache: 'unavailable' });

    redisProxy.resume();
    await expectHealthyAgain();
  });

  it('recovers when the network heals but every pooled connection stays black-holed', async () => {
    // Fill the pool with established connections, then strand all of them in a query.
    await Promise.all(Array.from({ length: 8 }, () => health()));
    postgresProxy.hang();
    const during = await Promise.all(Array.from({ length: 6 }, () => health()));
    expect(during.map((response) => response.status)).to.deep.equal(Array(6).fill(503));

    postgresProxy.heal();
    // Only a client-side query timeout frees the stranded connections; then the pool refills.
    await expectHealthyAgain();
  });

  it('reports both when both are stopped', async () => {
    await redisProxy.stop();
    await postgresProxy.stop();
    const response = await health();
    expect(response.status).to.equal(503);
    expect(response.body.checks).to.deep.equal({ database: 'unavailable', cache: 'unavailable' });

    await redisProxy.start();
    await postgresProxy.start();
    await expectHealthyAgain();
  });

  it('answers a request 503 SERVICE_UNAVAILABLE (not 500) while PostgreSQL is down, and serves it after', async () => {
    const credentials = { email: 'nobody@example.com', password: 'Correct-Horse-Battery-9' };
    await postgresProxy.stop();
    const during = await http().post('/api/auth/login/').send(credentials);
    expect(during.status).to.equal(503);
    expect(during.body.code).to.equal('SERVICE_UNAVAILABLE');
    expect(during.headers['retry-after']).to.match(/^\d+$/);

    await postgresProxy.start();
    await expectHealthyAgain();
    const after = await http().post('/api/auth/login/').send(credentials);
    expect(after.status).to.equal(401);
    expect(after.body.code).to.equal('AUTHENTICATION_FAILED');
  });

  it('answers a tRPC call 503 with Retry-After while PostgreSQL is down, as REST does', async () => {
    const credentials = { email: 'nobody@example.com', password: 'Correct-Horse-Battery-9' };
    await postgresProxy.stop();
    const single = await http().post('/trpc/auth.login').send({ json: credentials });
    const batched = await http()
      .post('/trpc/auth.login?batch=1')
      .send({ 0: { json: credentials } });
    await postgresProxy.start();
    for (const during of [single, batched]) {
      expect(during.status).to.equal(503);
      expect(during.headers['retry-after']).to.match(/^\d+$/);
    }
    expect(single.body.error.json.data.appCode).to.equal('SERVICE_UNAVAILABLE');
    await expectHealthyAgain();
  });

  it('answers 503 SERVICE_UNAVAILABLE (not 500, not never) when PostgreSQL goes silent mid-request', async () => {
    await health(); // an established connection in the pool, which the hang strands
    postgresProxy.hang();
    const started = Date.now();
    const during = await http()
      .post('/api/auth/login/')
      .send({ email: 'nobody@example.com', password: 'Correct-Horse-Battery-9' });
    expect(during.status).to.equal(503);
    expect(during.body).to.deep.equal({
      detail: 'The service is temporarily unavailable.',
      code: 'SERVICE_UNAVAILABLE',
    });
    // statement timeout (1 s here) + the client's margin, not an open-ended wait.
    expect(Date.now() - started).to.be.below(6000);
    postgresProxy.resume();
    await expectHealthyAgain();
  });

  it('answers 503 SERVICE_UNAVAILABLE (not 500) when its PostgreSQL connection is cut mid-query', async () => {
    await health(); // an established connection in the pool, which the cut ends under a query
    postgresProxy.hang();
    const during = http()
      .post('/api/auth/login/')
      .send({ email: 'nobody@example.com', password: 'Correct-Horse-Battery-9' })
      .then((response) => response);
    // The login's query has reached the stalled connection well within this.
    await sleep(300);
    postgresProxy.resume(); // cuts the stalled connection: "Connection terminated unexpectedly"
    const response = await during;
    expect(response.status).to.equal(503);
    expect(response.body.code).to.equal('SERVICE_UNAVAILABLE');
    expect(response.headers['retry-after']).to.match(/^\d+$/);
    await expectHealthyAgain();
  });

  describe('the probes', () => {
    it('live and ready answer 200 with both spellings while everything is up', async () => {
      await expectAlive();
      for (const path of ['/health/ready/', '/health/ready']) {
        const response = await health(path);
        expect(response.status, path).to.equal(200);
        expect(response.body, path).to.deep.equal({
          status: 'healthy',
          service: 'auth_service',
          checks: { database: 'ok', cache: 'ok' },
        });
        expect(response.headers['cache-control'], path).to.equal('no-store');
        expect(response.headers['retry-after'], path).to.equal(undefined);
      }
    });

    it('ready turns 503 with Retry-After while PostgreSQL is stopped; live stays 200', async () => {
      await health('/health/ready/'); // a pooled connection exists, which the outage must cut
      await postgresProxy.stop();
      const response = await health('/health/ready/');
      expect(response.status).to.equal(503);
      expect(response.body).to.deep.equal({
        status: 'unhealthy',
        service: 'auth_service',
        checks: { database: 'unavailable', cache: 'ok' },
      });
      expect(response.headers['retry-after']).to.match(/^\d+$/);
      await expectAlive();

      await postgresProxy.start();
      await expectHealthyAgain();
      expect((await health('/health/ready')).status).to.equal(200);
    });

    it('ready answers 503 in bounded time while PostgreSQL hangs; live stays 200', async () => {
      await health('/health/ready/');
      postgresProxy.hang();
      const response = await health('/health/ready/');
      expect(response.status).to.equal(503);
      expect(response.body.checks).to.deep.equal({ database: 'unavailable', cache: 'ok' });
      await expectAlive();

      postgresProxy.resume();
      await expectHealthyAgain();
    });

    it('ready stays 200 with the cache degraded while Redis is stopped, and signed-in requests are served', async () => {
      const email = `probe-${randomUUID()}@example.com`;
      const password = 'Correct-Horse-Battery-9';
      const registered = await http()
        .post('/api/auth/register/')
        .send({ email, full_name: 'Probe', password, password_confirm: password });
      expect(registered.status, registered.text).to.equal(201);
      const access = registered.body.tokens.access as string;

      await redisProxy.stop();
      const response = await health('/health/ready/');
      expect(response.status).to.equal(200);
      expect(response.body).to.deep.equal({
        status: 'healthy',
        service: 'auth_service',
        checks: { database: 'ok', cache: 'degraded' },
      });
      await expectAlive();
      // What ready promises: the instance still serves (sessions are checked in PostgreSQL).
      const profile = await http()
        .get('/api/auth/profile/')
        .set('Authorization', `Bearer ${access}`);
      expect(profile.status, profile.text).to.equal(200);
      expect(profile.body.email).to.equal(email);
      const login = await http().post('/api/auth/login/').send({ email, password });
      expect(login.status, login.text).to.equal(200);
      // The full check still says what is missing, as the contract has it.
      expect((await health('/health/')).status).to.equal(503);

      await redisProxy.start();
      await expectHealthyAgain();
    });

    it('ready stays 200 (cache degraded) in bounded time while Redis hangs', async () => {
      await health('/health/ready/');
      redisProxy.hang();
      const response = await health('/health/ready/');
      expect(response.status).to.equal(200);
      expect(response.body.checks).to.deep.equal({ database: 'ok', cache: 'degraded' });
      await expectAlive();

      redisProxy.resume();
      await expectHealthyAgain();
    });

    it('with both stopped, ready is 503 and live is still 200', async () => {
      await redisProxy.stop();
      await postgresProxy.stop();
      const response = await health('/health/ready/');
      expect(response.status).to.equal(503);
      expect(response.body.checks).to.deep.equal({ database: 'unavailable', cache: 'degraded' });
      await expectAlive();

      await redisProxy.start();
      await postgresProxy.start();
      await expectHealthyAgain();
    });
  });
});
