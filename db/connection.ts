import { Sequelize } from 'sequelize';
import { initModels, type Models } from './models/index.js';

export interface DatabaseOptions {
  url: string;
  ssl?: boolean;
  poolMax: number;
  poolMin: number;
}

export interface Database {
  sequelize: Sequelize;
  models: Models;
  close(): Promise<void>;
}

const CONNECT_TIMEOUT_MS = 3000;
const ACQUIRE_TIMEOUT_MS = 5000;
const STATEMENT_TIMEOUT_MS = 10_000;

export function connectDatabase(options: DatabaseOptions): Database {
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
      statement_timeout: STATEMENT_TIMEOUT_MS,
      ...(options.ssl ? { ssl: { rejectUnauthorized: true } } : {}),
    },
    define: { underscored: true },
  });
  const models = initModels(sequelize);
  return { sequelize, models, close: () => sequelize.close() };
}
