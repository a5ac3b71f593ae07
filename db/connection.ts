import { Sequelize } from 'sequelize';
import { initModels, type Models } from './models/index.js';

export interface DatabaseOptions {
  url: string;
  ssl?: boolean;
  poolMax: number;
  poolMin: number;
  /** Server-side statement_timeout (default 10 s). */
  statementTimeoutMs?: number;
  /**
   * False behind a transaction-pooling proxy (PgBouncer, RDS Proxy, Supabase's pooler): no named
   * prepared statements and no startup parameter a pooler refuses (see docs/scaling.md).
   */
  preparedStatements?: boolean;
}

export interface Database {
  sequelize: Sequelize;
  /** Whether the hot-path reads may use named prepared statements (db/prepared-read.ts). */
  preparedStatements: boolean;
  models: Models;
  close(): Promise<void>;
}

const CONNECT_TIMEOUT_MS = 3000;
const ACQUIRE_TIMEOUT_MS = 5000;
const STATEMENT_TIMEOUT_MS = 10_000;
// Past the statement timeout the server should have answered with an error; silence beyond
// this margin means the connection itself is dead.
const QUERY_TIMEOUT_MARGIN_MS = 2000;

export function connectDatabase(options: DatabaseOptions): Database {
  const statementTimeoutMs = options.statementTimeoutMs ?? STATEMENT_TIMEOUT_MS;
  const preparedStatements = options.preparedStatements ?? true;
  // PgBouncer refuses a connection that sends statement_timeout as a startup parameter
  // ("unsupported startup parameter"), so behind a pooler the server-side timeout is the
  // role's (ALTER ROLE ... SET statement_timeout), which the server applies to every session
  // the pooler opens; the client-side query_timeout below holds either way.
  const serverTimeout = preparedStatements ? { statement_timeout: statementTimeoutMs } : {};
  const sequelize = new Sequelize(options.url, {
    dialect: 'postgres',
    logging: false,
    benchmark: false,
    pool: {
      max: options.poolMax,
      min: options.poolMin,
      acquire: ACQUIRE_TIMEOUT_MS,
      idle: 10_000,
      evict: 5_000,
    },
    dialectOptions: {
      // A stopped or unreachable server must fail fast (health turns 503), not hang a request.
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      ...serverTimeout,
      // A connection black-holed by the network (no reply, no reset) would otherwise keep its
      // query, and its pool slot, for as long as TCP takes to give up: many minutes. On this
      // client-side timeout Sequelize marks the connection invalid and the pool replaces it.
      query_timeout: statementTimeoutMs + QUERY_TIMEOUT_MARGIN_MS,
      keepAlive: true,
      ...(options.ssl ? { ssl: { rejectUnauthorized: true } } : {}),
    },
    define: { underscored: true },
  });
  const models = initModels(sequelize);
  return { sequelize, models, preparedStatements, close: () => sequelize.close() };
}
