/**
 * The benchmark's own PostgreSQL database and Redis database: created when absent, emptied at
 * the start of a benchmark (never any other database), and asked for their versions.
 */
import pg from 'pg';
import { createClient } from 'redis';

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/auth_service_bench';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379/10';

/** Creates the database when absent, then drops its schema: the service migrates it afresh. */
export async function resetDatabase(url: string): Promise<string> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  // It drops a schema: never anything but a database meant for benchmarks.
  if (!name.includes('bench'))
    throw new Error(`refusing to empty "${name}": its name must contain "bench"`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const adminClient = new pg.Client({ connectionString: admin.toString() });
  await adminClient.connect();
  try {
    const { rowCount } = await adminClient.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      name,
    ]);
    if (!rowCount) await adminClient.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`);
  } finally {
    await adminClient.end();
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;');
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    return rows[0]!.server_version;
  } finally {
    await client.end();
  }
}

/** Empties the benchmark's own Redis database (the URL names it); returns the server version. */
export async function resetRedis(url: string): Promise<string> {
  const database = Number(new URL(url).pathname.slice(1) || '0');
  if (!database)
    throw new Error(
      'refusing to empty Redis database 0: name a database of its own (redis://host:port/10)',
    );
  const client = createClient({ url });
  await client.connect();
  try {
    await client.flushDb();
    const info = await client.info('server');
    return /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  } finally {
    client.destroy();
  }
}
