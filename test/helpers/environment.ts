/**
 * Which PostgreSQL and Redis the tests use: TEST_DATABASE_URL / TEST_REDIS_URL when set, else
 * the local servers on their standard ports when they answer, else the embedded ones. With
 * CI=true nothing falls back silently: a missing server fails the run.
 */
import { connect } from 'node:net';
import pg from 'pg';
import { connectDatabase } from '../../db/connection.js';
import { emptyingStatement } from '../../db/emptying.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../db/embedded.js';
import { createMigrator } from '../../db/migrate.js';
import type { OpenedDatabase } from '../../server/database.js';
import { MemoryKeyValueStore, type KeyValueStore } from '../../server/lib/cache.js';
import { createLogger } from '../../server/lib/logger.js';
import { RedisConnection, type RedisTopology } from '../../server/lib/redis-connection.js';
import { RedisKeyValueStore } from '../../server/lib/redis-store.js';
import { runPidOf, TEST_DATABASE, TEST_DATABASE_PREFIX, TEST_KEY_PREFIX } from './run-id.js';

const LOCAL_POSTGRES = 'postgres://postgres@127.0.0.1:5432';
// Runs share this Redis database; each keeps to its own key prefix (helpers/run-id.ts).
const LOCAL_REDIS = `redis://127.0.0.1:6379/${process.env.TEST_REDIS_DB ?? '15'}`;

export interface TestEnvironment {
  databaseUrl: string;
  /** An administrative URL on the same server, for creating scratch databases. */
  adminDatabaseUrl: string | null;
  /** The test Redis as one server's URL; null in process and on a cluster (TEST_REDIS_CLUSTER_NODES). */
  redisUrl: string | null;
  /**
   * The variables that point a service at the test Redis, whichever topology it is, with the
   * run's key prefix; null when the run uses the in-process store.
   */
  redisEnv: Record<string, string> | null;
  /** The run's own Redis key prefix; give it to every service a test starts (REDIS_KEY_PREFIX). */
  redisKeyPrefix: string;
  database: OpenedDatabase;
  cache: KeyValueStore;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export function portAnswers(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (result: boolean) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export async function withAdminClient<T>(
  adminUrl: string,
  work: (client: pg.Client) => Promise<T>,
) {
  const client = new pg.Client({ connectionString: `${adminUrl}/postgres` });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Creates the run's database, after dropping those that runs killed before their end left. */
async function ensureDatabase(adminUrl: string, name: string) {
  await withAdminClient(adminUrl, async (client) => {
    const { rows } = await client.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE starts_with(datname, $1)',
      [TEST_DATABASE_PREFIX],
    );
    for (const { datname } of rows) {
      const pid = runPidOf(datname);
      if (pid !== null && pid !== process.pid && !processAlive(pid)) {
        await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`).catch(() => {});
      }
    }
    if (!rows.some((row) => row.datname === name)) await client.query(`CREATE DATABASE "${name}"`);
  });
}

/** Drops the run's database and the scratch databases its tests made beside it. */
async function dropRunDatabases(adminUrl: string, name: string) {
  await withAdminClient(adminUrl, async (client) => {
    const { rows } = await client.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE datname = $1 OR starts_with(datname, $2)',
      [name, `${name}_`],
    );
    for (const { datname } of rows)
      await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  });
}

const ci = process.env.CI === 'true';

async function chooseDatabase(): Promise<{
  url: string;
  admin: string | null;
  embedded?: EmbeddedPostgres;
  label: string;
}> {
  if (process.env.TEST_DATABASE_URL) {
    return { url: process.env.TEST_DATABASE_URL, admin: null, label: 'TEST_DATABASE_URL' };
  }
  if (await portAnswers('127.0.0.1', 5432)) {
    await ensureDatabase(LOCAL_POSTGRES, TEST_DATABASE);
    return {
      url: `${LOCAL_POSTGRES}/${TEST_DATABASE}`,
      admin: LOCAL_POSTGRES,
      label: `local PostgreSQL (${TEST_DATABASE})`,
    };
  }
  if (ci)
    throw new Error(
      'CI=true but no PostgreSQL: set TEST_DATABASE_URL or start PostgreSQL on 127.0.0.1:5432',
    );
  const embedded = await startEmbeddedPostgres('memory');
  return {
    url: embedded.url,
    admin: null,
    embedded,
    label: 'embedded PostgreSQL (PGlite, in memory)',
  };
}

interface ChosenRedis {
  topology: RedisTopology | null;
  env: Record<string, string> | null;
  label: string;
}

const singleRedis = (url: string, label: string): ChosenRedis => ({
  topology: { kind: 'single', url },
  env: { REDIS_URL: url },
  label,
});

/** TEST_REDIS_CLUSTER_NODES runs the suite's Redis traffic on a Redis Cluster (npm run test:scale). */
async function chooseRedis(): Promise<ChosenRedis> {
  const clusterNodes = process.env.TEST_REDIS_CLUSTER_NODES;
  if (clusterNodes) {
    const nodes = clusterNodes.split(',').map((node) => {
      const [host, port] = node.trim().split(':');
      return { host: host!, port: Number(port) };
    });
    return {
      topology: { kind: 'cluster', nodes },
      env: { REDIS_CLUSTER_NODES: clusterNodes },
      label: `Redis Cluster (${clusterNodes})`,
    };
  }
  if (process.env.TEST_REDIS_URL) return singleRedis(process.env.TEST_REDIS_URL, 'TEST_REDIS_URL');
  if (await portAnswers('127.0.0.1', 6379))
    return singleRedis(LOCAL_REDIS, `local Redis (${LOCAL_REDIS.split('/').pop()})`);
  if (ci)
    throw new Error('CI=true but no Redis: set TEST_REDIS_URL or start Redis on 127.0.0.1:6379');
  return { topology: null, env: null, label: 'in-process store' };
}

export async function startTestEnvironment(): Promise<TestEnvironment> {
  const chosenDatabase = await chooseDatabase();
  const chosenRedis = await chooseRedis();
  process.stdout.write(`  tests use ${chosenDatabase.label} and ${chosenRedis.label}\n`);

  const connection = connectDatabase({
    url: chosenDatabase.url,
    poolMax: chosenDatabase.embedded ? 1 : 10,
    poolMin: 0,
    // TEST_DB_PREPARED_STATEMENTS=false runs the suite as behind a transaction pooler
    // (npm run test:scale puts a real PgBouncer in front).
    preparedStatements: process.env.TEST_DB_PREPARED_STATEMENTS !== 'false',
  });
  const database: OpenedDatabase = {
    ...connection,
    description: chosenDatabase.label,
    async close() {
      await connection.close();
      await chosenDatabase.embedded?.stop();
    },
  };
  // A fresh schema each run, migrated by the same runner production uses.
  await database.sequelize.query('DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;');
  await createMigrator(database.sequelize).up();
  const truncate = await emptyingStatement(database.sequelize);

  const logger = createLogger({ level: 'silent', pretty: false });
  let cache: KeyValueStore;
  let flush: () => Promise<void>;
  let closeRedis = async () => {};
  if (chosenRedis.topology) {
    const connection = new RedisConnection(
      { topology: chosenRedis.topology, keyPrefix: TEST_KEY_PREFIX, commandTimeoutMs: 2000 },
      logger,
    );
    if (!(await connection.connect(5000)))
      throw new Error(`Redis (${chosenRedis.label}) did not answer`);
    const store = new RedisKeyValueStore(connection);
    cache = store;
    // Only this run's keys: other runs may share the database.
    flush = () => store.clearPrefix();
    closeRedis = () => connection.close();
  } else {
    const memory = new MemoryKeyValueStore();
    cache = memory;
    flush = async () => memory.clear();
  }

  return {
    databaseUrl: chosenDatabase.url,
    adminDatabaseUrl: chosenDatabase.admin,
    redisUrl: chosenRedis.topology?.kind === 'single' ? chosenRedis.topology.url : null,
    redisEnv: chosenRedis.env && { ...chosenRedis.env, REDIS_KEY_PREFIX: TEST_KEY_PREFIX },
    redisKeyPrefix: TEST_KEY_PREFIX,
    database,
    cache,
    async reset() {
      await database.sequelize.query(truncate);
      await flush();
    },
    async stop() {
      await flush();
      await cache.close();
      await closeRedis();
      await database.close();
      // TEST_DATABASE_NAME names a database someone wants to keep looking at.
      if (chosenDatabase.admin && !process.env.TEST_DATABASE_NAME) {
        await dropRunDatabases(chosenDatabase.admin, TEST_DATABASE);
      }
    },
  };
}
