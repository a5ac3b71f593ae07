/**
 * Zero-setup PostgreSQL: PGlite (PostgreSQL compiled to WebAssembly) served over its socket
 * adapter, so `pg` and Sequelize talk to it exactly as to a real server. Development only;
 * the configuration refuses it in production.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { citext } from '@electric-sql/pglite/contrib/citext';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { acquireLock } from './embedded-lock.js';

export interface EmbeddedPostgres {
  url: string;
  /** Where the data lives, or "memory" for a throwaway instance. */
  location: string;
  /** The whole data directory as an uncompressed tarball, to start another instance from. */
  snapshot(): Promise<Blob>;
  stop(): Promise<void>;
}

// PGlite runs one query at a time; the socket server queues the rest. A handful of
// connections lets migrations, the app and health checks overlap without waiting on each other.
const MAX_CONNECTIONS = 8;

/**
/**
 * Opens PGlite (in memory, or in `<dataDir>/pglite` holding the folder's lock) and serves it on
 * a socket on 127.0.0.1; the address goes into the lock so the CLI can reach it (embedded-lock.ts).
 * `from` starts an in-memory instance from an earlier `snapshot()`: a copy of a migrated
 * database starts in a fraction of the time that creating and migrating one takes.
 */
export async function startEmbeddedPostgres(
  dataDir: string | 'memory',
  options: { from?: Blob; role?: string } = {},
): Promise<EmbeddedPostgres> {
  let location = 'memory';
  let lock: ReturnType<typeof acquireLock> | undefined;
  if (dataDir !== 'memory') {
    location = resolve(dataDir, 'pglite');
    mkdirSync(location, { recursive: true });
    lock = acquireLock(dataDir, options.role ?? 'service');
  }
  try {
    const database = await PGlite.create(dataDir === 'memory' ? undefined : location, {
      extensions: { citext },
      loadDataDir: options.from,
    });
    const server = new PGLiteSocketServer({
      db: database,
      host: '127.0.0.1',
      port: 0,
      maxConnections: MAX_CONNECTIONS,
    });
    await server.start();
    const url = `postgres://postgres@${server.getServerConn()}/postgres`;
    lock?.publish(url);
    return {
      url,
      location,
      snapshot: () => database.dumpDataDir('none'),
      async stop() {
        await server.stop();
        await database.close();
        lock?.release();
      },
    };
  } catch (error) {
    lock?.release();
    throw error;
  }
}
