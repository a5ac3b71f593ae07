/**
 * The only module that reads environment variables.
 *
 * Names follow the original Django service (SECRET_KEY, DB_*, EMAIL_*, ...) so its users can
 * reuse their `.env`. Each section file declares its variables once, as a zod schema, and turns
 * them into its part of the configuration; the `Config` type is what those sections return.
 * Everything is validated once, at start-up, with the rules across variables (rules.ts); the
 * process stops with one message naming every bad variable, one a line (see `ConfigError`), so
 * one restart fixes them all. Production refuses what is unsafe there.
 */
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { databaseSection } from './database.js';
import { emailSection } from './email.js';
import { parseEnvironment, readEnvironment, type Environment } from './environment.js';
import { ConfigError, configurationError, describeIssue } from './errors.js';
import { generalSection } from './general.js';
import { httpSection } from './http.js';
import { limitSection } from './limits.js';
import { observabilitySection } from './observability.js';
import { integer } from './parsers.js';
import { passwordSection } from './passwords.js';
import { redisSection } from './redis.js';
import { crossVariableRules } from './rules.js';
import { secretSection } from './secrets.js';
import { tokenSection } from './tokens.js';

export { ConfigError } from './errors.js';
export { readEnvironment } from './environment.js';
export { isLoopbackUrl } from './general.js';
export { weakSecretReason } from './secrets.js';

function configFrom(environment: Environment, insecureProductionWarnings: string[]) {
  return {
    ...generalSection(environment),
    ...secretSection(environment),
    /**
     * The production rules ALLOW_INSECURE_PRODUCTION=true let through, one sentence each; the
     * process logs every one as a warning at start. Empty outside production.
     */
    insecureProductionWarnings,
    http: httpSection(environment),
    ...databaseSection(environment),
    ...redisSection(environment),
    ...tokenSection(environment),
    ...passwordSection(environment),
    ...emailSection(environment),
    ...limitSection(environment),
    ...observabilitySection(environment),
  };
}

export type Config = ReturnType<typeof configFrom>;

export function loadConfig(source: Record<string, string | undefined> = readEnvironment()): Config {
  const { environment, problems } = parseEnvironment(source);
  const rules = crossVariableRules(environment);
  const refused = new Set(problems.map((problem) => problem.variable));
  problems.push(...rules.problems.filter((problem) => !refused.has(problem.variable)));
  if (problems.length) throw configurationError(problems.map((problem) => problem.message));
  return configFrom(environment, rules.warnings);
}

const clusterSchema = z.object({
  HTTP_WORKERS: integer(1, 256).default(availableParallelism()),
  HASH_CONCURRENCY: z.string().optional(),
});

/**
 * For server/cluster.ts only: how many workers to fork (HTTP_WORKERS, default one per core), and
 * whether HASH_CONCURRENCY was chosen (if not, the cluster shares the cores out among workers).
 */
export function clusterSettings(source: Record<string, string | undefined> = readEnvironment()) {
  const parsed = clusterSchema.safeParse(source);
  if (!parsed.success) {
    throw new ConfigError(
      `Invalid configuration: ${describeIssue(parsed.error.issues[0]!, source)}`,
    );
  }
  return {
    workers: parsed.data.HTTP_WORKERS,
    hashConcurrencyExplicit: parsed.data.HASH_CONCURRENCY !== undefined,
  };
}

/**
 * UV_THREADPOOL_SIZE as libuv sees it, or undefined when unset (libuv then runs 4 threads).
 * Read from the process environment alone, never `.env`: libuv sizes its pool before any of
 * this code runs, so only the environment a process starts with can set it.
 */
export function threadPoolSize(processEnv: NodeJS.ProcessEnv = process.env): number | undefined {
  const size = Number(processEnv.UV_THREADPOOL_SIZE);
  return Number.isInteger(size) && size > 0 ? size : undefined;
}
