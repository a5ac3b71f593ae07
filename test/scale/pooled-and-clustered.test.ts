/**
 * PostgreSQL through a real PgBouncer in transaction pooling mode and Redis as a real 3-master
 * Redis Cluster, both started here: the hot path's reads work through the pooler only without
 * named prepared statements (DB_PREPARED_STATEMENTS=false), and the integration suite's HTTP
 * flows (sessions, logout, refresh, password reset, email verification, the login lock) pass with
 * every database call going through PgBouncer and every Redis call going to the cluster.
 */
import { spawn } from 'node:child_process';
import { expect } from 'chai';
import pg from 'pg';
import { connectDatabase } from '../../db/connection.js';
import { preparedRead } from '../../db/prepared-read.js';
import { createRepositories } from '../../server/repositories/index.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createAccount, signedIn } from '../helpers/accounts.js';
import { startPgBouncer, type PgBouncerUnderTest } from '../helpers/load-balancing.js';
import { startRedisCluster, type RedisClusterUnderTest } from '../helpers/redis-topologies.js';
import { limitedEnvironment } from '../helpers/rate-limit.js';
import { ROOT } from '../helpers/spawn-service.js';
import { TEST_DATABASE } from '../helpers/run-id.js';
import { testEnvironment } from '../setup.js';

/** The integration files whose flows touch both PostgreSQL and Redis the most. */
const FLOWS = [
  'auth-logout',
  'auth-refresh',
  'auth-password-reset',
  'email-verification',
  'sessions',
  'rate-limit-login',
].map((name) => `test/integration/${name}.test.ts`);

const PROFILE_READ = { name: 'scale.profile', text: 'SELECT id, email FROM users WHERE id = $1' };

describe('PgBouncer in transaction mode', function () {
  this.timeout(30_000);
  let pgbouncer: PgBouncerUnderTest;
  let testApp: TestApp;
  const databaseName = () => new URL(testEnvironment().databaseUrl).pathname.slice(1);

  before(async function () {
    if (!testEnvironment().adminDatabaseUrl) return this.skip(); // needs the local PostgreSQL
    pgbouncer = await startPgBouncer();
  });
  after(async () => pgbouncer?.stop());
  beforeEach(async () => {
    testApp = await createTestApp();
  });

  const throughPooler = (preparedStatements: boolean) =>
    connectDatabase({
      url: pgbouncer.url(databaseName()),
      poolMax: 8,
      poolMin: 0,
      preparedStatements,
    });

  it('serves 300 concurrent hot-path reads on 3 server connections with DB_PREPARED_STATEMENTS=false', async () => {
    const account = await createAccount(testApp);
    const pooled = throughPooler(false);
    try {
      const users = createRepositories(pooled).users;
      const reads = await Promise.all(
        Array.from({ length: 300 }, (_, index) =>
          index % 2 ? users.findById(account.id) : users.findProfileById(account.id),
        ),
      );
      expect(reads.every((user) => user?.id === account.id)).to.equal(true);
    } finally {
      await pooled.close();
    }
  });

  it('breaks named prepared statements there, which is why the setting exists', async () => {
    const account = await createAccount(testApp);
    const pooled = throughPooler(false);
    try {
      const outcomes = await Promise.allSettled(
        Array.from({ length: 300 }, () =>
          preparedRead(pooled.sequelize, PROFILE_READ, [account.id], true),
        ),
      );
      const failures = outcomes.filter((outcome) => outcome.status === 'rejected');
      expect(
        failures.length,
        'some named statements must miss their server connection',
      ).to.be.above(0);
      expect(String((failures[0] as PromiseRejectedResult).reason)).to.match(/prepared statement/);
    } finally {
      await pooled.close();
    }
  });

  it('refuses a connection that sends statement_timeout as a startup parameter', async () => {
    const direct = new pg.Client({
      connectionString: pgbouncer.url(databaseName()),
      statement_timeout: 10_000,
    });
    let failure: unknown;
    await direct.connect().catch((error: unknown) => (failure = error));
    await direct.end().catch(() => undefined);
    expect(String(failure)).to.match(/unsupported startup parameter: statement_timeout/);

    // The service's own connection leaves it out with DB_PREPARED_STATEMENTS=false.
    const pooled = throughPooler(false);
    try {
      await pooled.sequelize.query('SELECT 1');
    } finally {
      await pooled.close();
    }
  });
});

describe('Redis Cluster (3 masters)', function () {
  this.timeout(60_000);
  let cluster: RedisClusterUnderTest;

  before(async function () {
    if (!testEnvironment().redisEnv) return this.skip();
    cluster = await startRedisCluster(3);
  });
  after(async () => cluster?.stop());

  it('holds the cache and the rate limits on one connection set, keys spread over the masters', async () => {
    const prefix = `${testEnvironment().redisKeyPrefix}cluster:`;
    const { REDIS_URL: _single, ...env } = limitedEnvironment({
      REDIS_CLUSTER_NODES: cluster.nodes,
      REDIS_KEY_PREFIX: prefix,
    });
    const testApp = await createTestApp({
      env,
      // No cache override: the service builds its own store on the cluster.
      overrides: { cache: undefined },
    });
    try {
      expect(testApp.deps.cache.kind).to.equal('redis');
      expect(testApp.deps.redis?.kind).to.equal('cluster');
      const accounts = [];
      for (let index = 0; index < 6; index += 1) accounts.push(await signedIn(testApp));
      for (const account of accounts) {
        const logout = await testApp
          .http()
          .post('/api/auth/logout/')
          .set({ Authorization: `Bearer ${account.access}` })
          .send({ refresh: account.refresh });
        expect(logout.status, JSON.stringify(logout.body)).to.be.oneOf([200, 204]);
      }
      const perMaster = await cluster.keysPerMaster(prefix);
      expect(
        perMaster.filter((count) => count > 0).length,
        `keys per master: ${perMaster}`,
      ).to.be.at.least(2);
      const health = await testApp.http().get('/health/');
      expect(health.status).to.equal(200);
    } finally {
      await testApp.deps.close();
    }
  });
});

describe('the integration flows through PgBouncer and on a Redis Cluster', function () {
  this.timeout(240_000);
  let cluster: RedisClusterUnderTest;
  let pgbouncer: PgBouncerUnderTest;
  const pooledDatabase = `${TEST_DATABASE}_pooled`;

  before(async function () {
    const admin = testEnvironment().adminDatabaseUrl;
    if (!admin || !testEnvironment().redisEnv) return this.skip();
    const client = new pg.Client({ connectionString: `${admin}/postgres` });
    await client.connect();
    await client.query(`CREATE DATABASE "${pooledDatabase}"`);
    await client.end();
    cluster = await startRedisCluster(3);
    pgbouncer = await startPgBouncer();
  });
  after(async () => {
    await pgbouncer?.stop();
    await cluster?.stop();
  });

  it(`pass: ${FLOWS.length} files of the integration suite`, async () => {
    const child = spawn(process.execPath, ['node_modules/mocha/bin/mocha.js', ...FLOWS], {
      cwd: ROOT,
      env: {
        ...process.env,
        TEST_DATABASE_URL: pgbouncer.url(pooledDatabase),
        TEST_DB_PREPARED_STATEMENTS: 'false',
        TEST_REDIS_CLUSTER_NODES: cluster.nodes,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(output).to.match(/tests use TEST_DATABASE_URL and Redis Cluster/);
    expect(code, output.slice(-4000)).to.equal(0);
    expect(output).to.match(/\d+ passing/);
  });
});
