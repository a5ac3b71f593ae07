/**
 * What a command runs on: the configuration from the environment (and `.env`), and the same
 * dependencies the service builds (PostgreSQL, Redis when REDIS_URL is set, the configured
 * password hasher). Logs go to stderr, so stdout carries only the command's own output.
 */
import { pino } from 'pino';
import { loadConfig, readEnvironment, type Config } from '../config/index.js';
import { openDatabase } from '../database.js';
import { buildDependencies, type Dependencies } from '../deps.js';
import { withDevelopmentSecret } from '../development-secret.js';
import { createLogger } from '../lib/logger.js';

export interface CommandEnvironment {
  config: Config;
  /** The merged environment (process over `.env`), for the variables only the CLI reads. */
  variables: Record<string, string | undefined>;
}

export function loadCommandEnvironment(
  variables: Record<string, string | undefined> = readEnvironment(),
): CommandEnvironment {
  // The service's development key, so a command and the service sign alike.
  return { config: withDevelopmentSecret(loadConfig(variables)).config, variables };
}

/** Builds the dependencies, runs `work`, and always closes the pools so the process can end. */
export async function withDependencies<T>(
  config: Config,
  work: (deps: Dependencies) => Promise<T>,
): Promise<T> {
  // The service's logger (with its redaction), on stderr, and quiet below warnings.
  const logger = createLogger({
    level: config.logLevel === 'silent' ? 'silent' : 'warn',
    pretty: false,
    service: 'auth_cli',
    destination: pino.destination(2),
  });
  // Opened here, as a command: on the embedded store it reaches a running service's database.
  const database = await openDatabase(config, { command: true });
  try {
    const deps = await buildDependencies(config, { logger, database });
    try {
      return await work(deps);
    } finally {
      await deps.close();
    }
  } finally {
    await database.close();
  }
}
