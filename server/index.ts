/**
 * The process: load config, build dependencies, migrate when asked, listen, and on SIGTERM or
 * SIGINT stop accepting, let in-flight requests finish (bounded), then close pools and exit 0.
 * On SIGTERM (what orchestrators send) the readiness probe fails first and the listener stays
 * open for SHUTDOWN_DELAY_SECONDS, so load balancers stop sending before connections are refused.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createMigrator } from '../db/migrate.js';
import { createHttpHandler } from './app.js';
import { ConfigError, loadConfig, threadPoolSize, type Config } from './config/index.js';
import { buildDependencies } from './deps.js';
import { withDevelopmentSecret } from './development-secret.js';
import { scrubSecrets } from './lib/log-redaction.js';
import { createDrain } from './http/drain.js';
import { createHttpServer } from './http/server.js';
import { serveMetrics } from './observability/metrics-server.js';
import { lowerBackgroundThreadPriority } from './lib/thread-priority.js';

function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

async function main() {
  const { config, keptIn: secretKeptIn } = withDevelopmentSecret(loadConfigOrExit());

  const deps = await buildDependencies(config);
  const { logger } = deps;
  // scrypt runs on libuv's thread pool, which needs room beyond the hashing slots so file, DNS
  // and other crypto work never queue behind a flood of logins. libuv sizes the pool when it
  // is first used, which for an ES module entry is before this file runs (the module loader
  // reads files on it), so only the environment the process starts with can set it:
  // server/cluster.ts does so for its workers. Its threads (started by now) yield the CPU to
  // the event loop, so a flood of logins cannot slow reads down (lib/thread-priority.ts).
  lowerBackgroundThreadPriority();
  const threads = threadPoolSize() ?? 4;
  if (threads < config.passwords.hashConcurrency + 2) {
    logger.warn(
      `UV_THREADPOOL_SIZE=${threads} leaves no room beside ${config.passwords.hashConcurrency} hashing slots: start with UV_THREADPOOL_SIZE=${config.passwords.hashConcurrency + 4} in the environment, or use dist/server/cluster.js`,
    );
  }
  const migrator = createMigrator(deps.database.sequelize, (line) => logger.info(line));
  if (config.migrateOnStart) {
    await migrator.up();
  } else {
    // Django's "You have unapplied migrations": requests would fail until the schema catches up.
    const pending = await migrator.pending().catch(() => []);
    if (pending.length) {
      logger.warn(
        { pending: pending.map((migration) => migration.name) },
        `${pending.length} database migration(s) not applied: run "npm run migrate" (or node dist/db/migrate.js up), or set MIGRATE_ON_START=true`,
      );
    }
  }
  // The signing keys (generated or imported on first start) once their table exists.
  await deps.services.signingKeys.start();
  // ALLOW_INSECURE_PRODUCTION=true starts a demo with unsafe settings, never quietly.
  for (const warning of config.insecureProductionWarnings) {
    logger.warn(
      `INSECURE PRODUCTION SETTING (allowed by ALLOW_INSECURE_PRODUCTION=true): ${warning}`,
    );
  }
  if (secretKeptIn) {
    logger.warn(
      `SECRET_KEY is not set: using the development key kept in ${secretKeptIn}, so restarts keep sessions (production needs SECRET_KEY)`,
    );
  }
  if (config.secretKeyIsEphemeral) {
    logger.warn(
      'SECRET_KEY is not set: using a random key, so tokens stop working when the process restarts',
    );
  }
  // The dummy hash for unknown-email logins, made now so the first such login is not slower.
  void deps.hasher
    .verifyDummy('warm-up')
    .catch((error: Error) =>
      logger.warn(
        { err: error },
        'could not prepare the dummy password hash; the first miss makes it',
      ),
    );

  // Metrics on their own port (METRICS_PORT), never beside the API (in a cluster, the primary's).
  // Before the API listens: a cluster's primary asks the workers that listen for their metrics.
  const metricsServer = deps.metrics
    ? await serveMetrics(deps.metrics, config.metrics!, logger)
    : null;
  if (metricsServer) {
    const metricsAddress = metricsServer.address();
    const metricsPort = typeof metricsAddress === 'object' ? metricsAddress?.port : undefined;
    logger.info(
      { port: metricsPort },
      `metrics at http://${config.http.host}:${metricsPort}/metrics`,
    );
  }

  const drain = createDrain();
  const server = createHttpServer(createHttpHandler(deps), config.http, drain.responseClass);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.http.port, config.http.host, resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.http.port;
  const url = `http://${config.http.host === '0.0.0.0' ? 'localhost' : config.http.host}:${port}`;
  logger.info(
    {
      database: deps.database.description,
      cache: deps.cache.kind === 'redis' ? 'Redis' : 'in-process store (no REDIS_URL)',
      url,
      docs: `${url}/api/docs/`,
      env: config.env,
      email: config.email.backend,
    },
    `auth-service listening on ${config.http.host}:${port}; API docs at ${url}/api/docs/`,
  );
  // Delivers the email outbox (stopped, bounded, by deps.close() on shutdown).
  if (config.email.outbox.worker) deps.emailWorker?.start();

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    // Not ready from now on; a balancer polling /health/ready needs a few probes to notice, and
    // meanwhile the listener keeps serving. Ctrl-C (SIGINT) is a person waiting: no pause.
    const notReadyMs = signal === 'SIGTERM' ? config.http.shutdownDelayMs : 0;
    deps.lifecycle.beginDrain();
    drain.begin();
    logger.info(
      { signal, notReadyMs },
      'shutting down: not ready, then draining in-flight requests',
    );
    if (notReadyMs > 0) await sleep(notReadyMs);
    await drain.close(server, config.http.shutdownTimeoutMs);
    // Prometheus may scrape during the drain; the metrics listener closes last.
    metricsServer?.closeAllConnections();
    metricsServer?.close();
    await deps.close();
    logger.info('shutdown complete');
    logger.flush?.();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: Error) => {
  process.stderr.write(`auth-service failed to start: ${scrubSecrets(error.message)}\n`);
  process.exit(1);
});
