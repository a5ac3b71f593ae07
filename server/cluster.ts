/**
 * One worker per core: `node dist/server/cluster.js` (npm run start:cluster).
 *
 * The primary applies pending migrations once (when MIGRATE_ON_START says so), then forks
 * HTTP_WORKERS workers (default: one per core), each running server/index.ts on the same port;
 * node's cluster module shares the listening socket between them. A worker that dies is
 * replaced; when workers keep dying within seconds of starting, the primary gives up and exits 1
 * so the supervisor sees it. SIGTERM and SIGINT are passed to every worker, which drains its
 * in-flight requests (on SIGTERM after its not-ready pause); the primary exits 0 once all are
 * gone.
 *
 * Hashing across workers: unless HASH_CONCURRENCY is set, each worker gets cores / workers
 * slots, so all of them together hash on every core and no more. libuv's thread pool is sized
 * here too (UV_THREADPOOL_SIZE, the slots + 4) because libuv reads it only when the pool first
 * starts, which for an ES module entry like server/index.ts is before any of its code runs;
 * a worker forked from here starts with it already in its environment.
 */
import cluster, { type Worker } from 'node:cluster';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ConfigError,
  clusterSettings,
  loadConfig,
  threadPoolSize,
  type Config,
} from './config/index.js';
import { scrubSecrets } from './lib/log-redaction.js';
import { createLogger } from './lib/logger.js';

const CRASH_WINDOW_MS = 30_000;
const MAX_CRASHES_IN_WINDOW = 5;
const RESTART_DELAY_MS = 500;

function loadOrExit() {
  try {
    return { config: loadConfig(), settings: clusterSettings() };
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

async function migrateOnce(config: Config, log: (line: string) => void) {
  // Loaded only when needed: the primary serves no requests and should stay small.
  const { openDatabase } = await import('./database.js');
  const { createMigrator } = await import('../db/migrate.js');
  const database = await openDatabase(config);
  try {
    await createMigrator(database.sequelize, log).up();
  } finally {
    await database.close();
  }
}

async function main() {
  const { config, settings } = loadOrExit();
  const logger = createLogger({ level: config.logLevel, pretty: config.env === 'development' });
  // Every worker must see the same data: an embedded database or an in-process store would be
  // one per worker (a session revoked in one would still be valid in another).
  if (config.database.kind === 'embedded' || !config.redis) {
    process.stderr.write(
      'Invalid configuration: the cluster needs DATABASE_URL (or DB_HOST) and REDIS_URL, shared by every worker\n',
    );
    process.exit(1);
  }
  if (config.migrateOnStart) await migrateOnce(config, (line) => logger.info(line));

  const workers = settings.workers;
  const hashSlots = settings.hashConcurrencyExplicit
    ? config.passwords.hashConcurrency
    : Math.max(1, Math.floor(config.passwords.hashConcurrency / workers));
  const workerEnv = {
    MIGRATE_ON_START: 'false',
    HASH_CONCURRENCY: String(hashSlots),
    UV_THREADPOOL_SIZE: String(threadPoolSize() ?? hashSlots + 4),
  };
  // The worker is server/index in the same form as this file (.js when built, .ts under tsx).
  const entry = fileURLToPath(new URL(`./index${extname(import.meta.url)}`, import.meta.url));
  cluster.setupPrimary({ exec: entry });

  let stopping = false;
  const crashes: number[] = [];
  const fork = () => cluster.fork(workerEnv);

  cluster.on('exit', (worker: Worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) {
        logger.info('all workers stopped');
        process.exit(0);
      }
      return;
    }
    const now = Date.now();
    crashes.push(now);
    while (crashes.length && crashes[0]! < now - CRASH_WINDOW_MS) crashes.shift();
    logger.error({ pid: worker.process.pid, code, signal }, 'worker exited; starting another');
    if (crashes.length > MAX_CRASHES_IN_WINDOW) {
      logger.fatal(`${crashes.length} workers died within ${CRASH_WINDOW_MS / 1000} s; giving up`);
      for (const other of Object.values(cluster.workers ?? {})) other?.process.kill('SIGKILL');
      process.exit(1);
    }
    setTimeout(fork, RESTART_DELAY_MS).unref();
  });

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    const running = Object.values(cluster.workers ?? {});
    logger.info({ signal, workers: running.length }, 'stopping workers');
    if (running.length === 0) process.exit(0);
    // The same signal: on SIGTERM each worker first reports not ready (SHUTDOWN_DELAY_SECONDS).
    for (const worker of running) worker?.process.kill(signal);
    // A worker pauses, then drains for at most SHUTDOWN_TIMEOUT_SECONDS; after that and a
    // margin, end it.
    const pauseMs = signal === 'SIGTERM' ? config.http.shutdownDelayMs : 0;
    setTimeout(
      () => {
        for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL');
        process.exit(1);
      },
      pauseMs + config.http.shutdownTimeoutMs + 5000,
    ).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  if (config.metrics) {
    // Loaded only when asked for, like the migrator above.
    const { startMetricsServer } = await import('./observability/metrics-server.js');
    const { workerMetrics } = await import('./observability/worker-metrics.js');
    await startMetricsServer(workerMetrics(), config.metrics, logger);
    logger.info({ port: config.metrics.port }, 'metrics of every worker at /metrics');
  }
  logger.info({ workers, hashSlotsPerWorker: hashSlots }, 'starting workers');
  for (let index = 0; index < workers; index += 1) fork();
}

main().catch((error: Error) => {
  process.stderr.write(`auth-service cluster failed to start: ${scrubSecrets(error.message)}\n`);
  process.exit(1);
});
