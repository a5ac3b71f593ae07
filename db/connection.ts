import { Sequelize } from 'sequelize';
import { initModels, type Models } from './models/index.js';

export interface DatabaseOptions {
  url: string;
  ssl?: boolean;
  poolMax: number;
  poolMin: number;
  /** Server-side statement_timeout (default 10 s). */
  statementTimeoutMs?: number;
}

export interface Database {
  sequelize: Sequelize;
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
      statement_timeout: statementTimeoutMs,
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
  return { sequelize, models, close: () => sequelize.close() };
}
