/**
 * Where one kit instance keeps its data. By default nothing outside the process: the embedded
 * PostgreSQL (PGlite) in memory, started from a migrated snapshot made once per process, and
 * the in-process key-value store. With TEST_DATABASE_URL / TEST_REDIS_URL, the real servers:
 * a database of its own on that PostgreSQL server (created, migrated, dropped at close) and a
 * Redis key prefix of its own. Either way, two instances never see each other's data.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createClient } from 'redis';
import { connectDatabase, type Database } from '../../db/connection.js';
import { startEmbeddedPostgres } from '../../db/embedded.js';
import { emptyingStatement } from '../../db/emptying.js';
import { createMigrator } from '../../db/migrate.js';
import type { OpenedDatabase } from '../../server/database.js';
import { MemoryKeyValueStore, type KeyValueStore } from '../../server/lib/cache.js';

export interface KitStores {
  database: OpenedDatabase;
  /** The in-process store, or null when the service opens Redis from `env`. */
  cache: KeyValueStore | null;
  /** What the service's configuration must say to use these stores (Redis URL and prefix). */
  env: Record<string, string>;
  description: string;
  /** Empties every table and this instance's keys. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export interface StoreChoice {
  databaseUrl?: string;
  redisUrl?: string;
}

let migratedSnapshot: Promise<Blob> | undefined;

/** A migrated, empty embedded database as a tarball, made on first use in this process. */
function snapshot(): Promise<Blob> {
  migratedSnapshot ??= (async () => {
    const embedded = await startEmbeddedPostgres('memory');
    const database = connectDatabase({ url: embedded.url, poolMax: 1, poolMin: 0 });
    try {
      await createMigrator(database.sequelize).up();
    } finally {
      await database.close();
    }
    const tarball = await embedded.snapshot();
    await embedded.stop();
    return tarball;
  })();
  return migratedSnapshot;
}

async function embeddedDatabase(): Promise<OpenedDatabase> {
  const embedded = await startEmbeddedPostgres('memory', { from: await snapshot() });
  const database = connectDatabase({ url: embedded.url, poolMax: 1, poolMin: 0 });
  return {
    ...database,
    description: 'embedded PostgreSQL in memory',
    async close() {
      await database.close();
      await embedded.stop();
    },
  };
}

async function onServer(serverUrl: URL, statement: string) {
  const admin = new URL(serverUrl);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** A database of this instance's own on the given server, migrated; dropped at close. */
async function serverDatabase(url: string, name: string): Promise<OpenedDatabase> {
  const serverUrl = new URL(url);
  await onServer(serverUrl, `CREATE DATABASE "${name}"`);
  const own = new URL(serverUrl);
  own.pathname = `/${name}`;
  let database: Database | undefined;
  try {
    database = connectDatabase({ url: own.toString(), poolMax: 5, poolMin: 0 });
    await createMigrator(database.sequelize).up();
  } catch (error) {
    await database?.close();
    await onServer(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    throw error;
  }
  const opened = database;
  return {
    ...opened,
    description: `PostgreSQL database ${name}`,
    async close() {
      await opened.close();
      await onServer(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}

export async function openKitStores(choice: StoreChoice): Promise<KitStores> {
  const id = `${process.pid}_${randomBytes(4).toString('hex')}`;
  const database = choice.databaseUrl
    ? await serverDatabase(choice.databaseUrl, `auth_service_kit_${id}`)
    : await embeddedDatabase();
  const emptying = await emptyingStatement(database.sequelize);

  if (!choice.redisUrl) {
    const memory = new MemoryKeyValueStore();
    return {
      database,
      cache: memory,
      env: {},
      description: `${database.description} and the in-process store`,
      async reset() {
        await database.sequelize.query(emptying);
        memory.clear();
      },
      async close() {
        await database.close();
      },
    };
  }

  const keyPrefix = `auth-kit:${id}:`;
  const flusher = createClient({ url: choice.redisUrl });
  flusher.on('error', () => {}); // the service's own client reports Redis trouble
  await flusher.connect();
  const flush = async () => {
    for await (const keys of flusher.scanIterator({ MATCH: `${keyPrefix}*`, COUNT: 1000 })) {
      if (keys.length) await flusher.unlink(keys);
    }
  };
  return {
    database,
    cache: null,
    env: { REDIS_URL: choice.redisUrl, REDIS_KEY_PREFIX: keyPrefix },
    description: `${database.description} and Redis (keys under ${keyPrefix})`,
    async reset() {
      await Promise.all([database.sequelize.query(emptying), flush()]);
    },
    async close() {
      await flush().catch(() => {});
      flusher.destroy();
      await database.close();
    },
  };
}
