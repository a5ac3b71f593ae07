import { connectDatabase, type Database } from '../db/connection.js';
import { startEmbeddedPostgres } from '../db/embedded.js';
import { lockHolder } from '../db/embedded-lock.js';
import type { Config } from './config/index.js';

export interface OpenedDatabase extends Database {
  /** For the start banner: where the data lives, never with a password. */
  description: string;
}

export interface OpenOptions {
  /**
   * A command (the CLI, migrations) rather than the service: when a running service holds the
   * embedded folder, go through that service's socket instead of refusing.
   */
  command?: boolean;
}

/** The configured PostgreSQL, or the embedded one when none is configured. */
export async function openDatabase(
  config: Pick<Config, 'database'>,
  options: OpenOptions = {},
): Promise<OpenedDatabase> {
  const settings = config.database;
  if (settings.kind === 'external') {
    const database = connectDatabase(settings);
    return { ...database, description: `PostgreSQL at ${redactUrl(settings.url)}` };
  }
  // One connection: PGlite executes one statement at a time anyway, and a single connection
  // keeps transactions from interleaving on the shared engine.
  const connectEmbedded = (url: string) =>
    connectDatabase({
      url,
      poolMax: 1,
      poolMin: 0,
      statementTimeoutMs: settings.statementTimeoutMs,
      preparedStatements: settings.preparedStatements,
    });
  const holder = options.command ? lockHolder(settings.dataDir) : null;
  if (holder?.role === 'service' && holder.url) {
    const database = connectEmbedded(holder.url);
    return {
      ...database,
      description: `embedded PostgreSQL of the running service (process ${holder.pid})`,
    };
  }
  // Otherwise open the folder, which refuses (naming the holder) if another process has it.
  const embedded = await startEmbeddedPostgres(settings.dataDir, {
    role: options.command ? 'cli' : 'service',
  });
  const database = connectEmbedded(embedded.url);
  return {
    ...database,
    description: `embedded PostgreSQL (PGlite, data in ${embedded.location})`,
    async close() {
      await database.close();
      await embedded.stop();
    },
  };
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}
