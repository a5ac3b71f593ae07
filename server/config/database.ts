/** PostgreSQL: DATABASE_URL or the original service's DB_* parts, else the embedded database. */
import { z } from 'zod';
import { booleanFromEnv, integer, url } from './parsers.js';

export const databaseVariables = z.object({
  DATABASE_URL: url(/^postgres(ql)?:$/, 'postgres://').optional(),
  DB_NAME: z.string().min(1).optional(),
  DB_USER: z.string().min(1).optional(),
  DB_PASSWORD: z.string().optional(),
  DB_HOST: z.string().min(1).optional(),
  DB_PORT: integer(1, 65535).optional(),
  DB_POOL_MAX: integer(1, 500).default(10),
  DB_POOL_MIN: integer(0, 500).default(0),
  DB_STATEMENT_TIMEOUT_MS: integer(100, 600_000).default(10_000),
  DB_SSL: booleanFromEnv.default(false),
  // false behind a transaction-pooling PgBouncer (or RDS Proxy, Supabase's pooler): no named
  // prepared statements and no startup parameters (see docs/scaling.md).
  DB_PREPARED_STATEMENTS: booleanFromEnv.default(true),
  EMBEDDED_DATA_DIR: z.string().min(1).default('.data'),
  MIGRATE_ON_START: booleanFromEnv.optional(),
});

type DatabaseEnvironment = z.output<typeof databaseVariables>;

export function databaseSection(environment: DatabaseEnvironment) {
  const database = databaseFrom(environment);
  return {
    database,
    migrateOnStart: environment.MIGRATE_ON_START ?? database.kind === 'embedded',
  };
}

function databaseFrom(environment: DatabaseEnvironment) {
  const pool = {
    poolMax: environment.DB_POOL_MAX,
    poolMin: environment.DB_POOL_MIN,
    /** Server-side statement_timeout; the client gives up on a silent connection soon after. */
    statementTimeoutMs: environment.DB_STATEMENT_TIMEOUT_MS,
    /** False behind a transaction pooler: unnamed statements, no startup parameters. */
    preparedStatements: environment.DB_PREPARED_STATEMENTS,
  };
  const external = (url: string) => ({
    kind: 'external' as const,
    url,
    ssl: environment.DB_SSL,
    ...pool,
  });
  if (environment.DATABASE_URL) return external(environment.DATABASE_URL);
  if (environment.DB_NAME || environment.DB_HOST) {
    const user = encodeURIComponent(environment.DB_USER ?? 'postgres');
    const password = environment.DB_PASSWORD
      ? `:${encodeURIComponent(environment.DB_PASSWORD)}`
      : '';
    const host = environment.DB_HOST ?? '127.0.0.1';
    const port = environment.DB_PORT ?? 5432;
    const name = encodeURIComponent(environment.DB_NAME ?? 'auth_service');
    return external(`postgres://${user}${password}@${host}:${port}/${name}`);
  }
  return { kind: 'embedded' as const, dataDir: environment.EMBEDDED_DATA_DIR, ...pool };
}
