/**
 * The composition root: the one place that builds infrastructure and services. Tests pass
 * overrides here (a recording mailer, a fixed clock, a cheap hash cost, a shared database).
 */
import type { Config } from './config/index.js';
import { openDatabase, type OpenedDatabase } from './database.js';
import { MemoryKeyValueStore, type KeyValueStore } from './lib/cache.js';
import { systemClock, type Clock } from './lib/clock.js';
import { BreachedPasswords } from './lib/breached-passwords.js';
import { JwtCodec } from './lib/jwt.js';
import { hmacRingKey } from './lib/signing-keys/hmac-key.js';
import { KeyRing } from './lib/signing-keys/key-ring.js';
import { Lifecycle } from './lib/lifecycle.js';
import { createLogger, type Logger } from './lib/logger.js';
import { createEmailDelivery, type OutboxWorker } from './email/delivery.js';
import type { Mailer } from './lib/mailer/types.js';
import { ScryptPasswordHasher, type PasswordHasher } from './lib/password-hasher.js';
import { openRateLimits, type OpenedRateLimits } from './lib/rate-limit/index.js';
import { RedisConnection } from './lib/redis-connection.js';
import { RedisKeyValueStore } from './lib/redis-store.js';
import type { HealthChecks } from './http/health.js';
import { SERVICE_VERSION } from './http/routes.js';
import type { Telemetry } from './lib/telemetry.js';
import { Metrics } from './observability/metrics.js';
import { reportingRefusals } from './observability/rate-limit-refusals.js';
import { combineTelemetry } from './observability/telemetry.js';
import type { Tracing } from './observability/tracing.js';
import { createRepositories } from './repositories/index.js';
import { createServices, type Services } from './services/index.js';

export interface Dependencies {
  config: Config;
  logger: Logger;
  clock: Clock;
  database: OpenedDatabase;
  cache: KeyValueStore;
  hasher: PasswordHasher;
  jwt: JwtCodec;
  /** The signing keys in memory (the JWKS is served from here). */
  keyRing: KeyRing;
  mailer: Mailer;
  /**
   * Delivers the email outbox. Not started here: server/index.ts starts it after listening,
   * tests drive it. Null when a mailer override replaces the outbox.
   */
  emailWorker: OutboxWorker | null;
  /** In Redis when one is configured (shared by every instance), else in process. */
  rateLimits: OpenedRateLimits;
  /** The one Redis connection set the cache and the rate limits share; null without Redis. */
  redis: RedisConnection | null;
  services: Services;
  /** Prometheus metrics, when METRICS_PORT is set (server/index.ts serves them there). */
  metrics: Metrics | null;
  /** OpenTelemetry traces, when the OTEL_* variables turn them on. */
  tracing: Tracing | null;
  /** What services and infrastructure report to (metrics and traces, or nothing). */
  telemetry: Telemetry;
  healthChecks: HealthChecks;
  /** Draining or not, for the readiness probe; server/index.ts begins the drain. */
  lifecycle: Lifecycle;
  /** Releases what this builder opened (never what an override brought in). */
  close(): Promise<void>;
}

export interface DependencyOverrides {
  logger?: Logger;
  clock?: Clock;
  database?: OpenedDatabase;
  cache?: KeyValueStore;
  hasher?: PasswordHasher;
  mailer?: Mailer;
  /** A tracer of the caller's (a test's, with its own exporter); shut down by the caller. */
  tracing?: Tracing;
}

const REDIS_CONNECT_WAIT_MS = 3000;

async function openRedis(config: Config, logger: Logger): Promise<RedisConnection | null> {
  if (!config.redis) return null;
  const connection = new RedisConnection(config.redis, logger);
  // Not reachable yet is not fatal: health reports it and the client keeps reconnecting.
  if (!(await connection.connect(REDIS_CONNECT_WAIT_MS)))
    logger.warn('redis not reachable at start; retrying in the background');
  return connection;
}

/** The database pool now (sequelize-pool's counts), for the pool gauges. */
function poolState(database: OpenedDatabase) {
  const manager = database.sequelize.connectionManager as unknown as {
    pool?: { using: number; waiting: number; size: number };
  };
  const pool = manager.pool;
  return pool ? { inUse: pool.using, waiting: pool.waiting, size: pool.size } : null;
}

export async function buildDependencies(
  config: Config,
  overrides: DependencyOverrides = {},
): Promise<Dependencies> {
  const logger =
    overrides.logger ??
    createLogger({ level: config.logLevel, pretty: config.env === 'development' });
  const clock = overrides.clock ?? systemClock;
  // What is opened here is closed again if a later step fails (a broken template, say), so a
  // failed start leaves no pool or connection behind.
  const opened: Array<() => Promise<unknown>> = [];
  const open = async <T>(start: () => Promise<T>, stop: (value: T) => Promise<unknown>) => {
    try {
      const value = await start();
      opened.push(() => stop(value));
      return value;
    } catch (error) {
      for (const close of opened.reverse()) {
        await close().catch((closeError: Error) =>
          logger.warn({ err: closeError }, 'closing after a failed start failed too'),
        );
      }
      throw error;
    }
  };
  // Tracing first, so what is opened below is traced from its first query. Loaded only when on.
  const tracing =
    overrides.tracing ??
    (config.tracing
      ? await open(
          async () =>
            (await import('./observability/tracing.js')).Tracing.start(config.tracing!, {
              serviceVersion: SERVICE_VERSION,
            }),
          (started) => started.shutdown(),
        )
      : null);
  // The gauges read these when Prometheus scrapes, by which time all of them are built.
  const built: {
    hasher?: PasswordHasher;
    outbox?: ReturnType<typeof createRepositories>['emailOutbox'];
    database?: OpenedDatabase;
    redis?: RedisConnection | null;
  } = {};
  const lifecycle = new Lifecycle();
  // What readiness asks of PostgreSQL (the probe, and the auth_ready gauge).
  const readinessCheck = async () => {
    await built.database?.sequelize.query('SELECT 1');
  };
  const metrics = config.metrics
    ? new Metrics({
        hashQueueDepth: () => built.hasher?.queueDepth ?? 0,
        databasePool: () => (built.database ? poolState(built.database) : null),
        redisUp: config.redis ? () => built.redis?.current().isReady ?? false : null,
        outboxBacklog: overrides.mailer ? null : () => built.outbox!.backlog(),
        ready: async () => {
          const databaseAnswers = await readinessCheck().then(
            () => true,
            () => false,
          );
          return databaseAnswers && !lifecycle.draining;
        },
        now: () => clock.now(),
      })
    : null;
  const telemetry = combineTelemetry(metrics, tracing);
  const database =
    overrides.database ??
    (await open(
      () => openDatabase(config),
      (connection) => connection.close(),
    ));
  const redis = await open(
    () => openRedis(config, logger),
    async (connection) => connection?.close(),
  );
  const cache =
    overrides.cache ??
    (redis
      ? new RedisKeyValueStore(redis, redis.settings.keyPrefix, telemetry)
      : new MemoryKeyValueStore());
  const hasher =
    overrides.hasher ??
    new ScryptPasswordHasher(config.passwords.scrypt, {
      concurrency: config.passwords.hashConcurrency,
      queueLimit: config.passwords.hashQueueLimit,
      refusalDelayMs: config.passwords.hashRefusalDelayMs,
      logger,
      telemetry,
    });
  // Holds SECRET_KEY's HS256 key until services.signingKeys.start() loads the stored keys
  // (server/index.ts does so once migrations have run).
  const keyRing = new KeyRing(clock, await hmacRingKey(config.secretKey), (error) =>
    logger.error({ err: error }, 'could not reload the signing keys; keeping the current ones'),
  );
  const untraceQueries = tracing?.traceQueries(database.sequelize);
  Object.assign(built, { hasher, database, redis });
  const jwt = new JwtCodec({
    keys: keyRing,
    issuer: config.jwt.issuer,
    audience: config.jwt.audience,
    clock,
  });
  const repositories = createRepositories(database);
  built.outbox = repositories.emailOutbox;
  // Mail is enqueued in the outbox with the change that causes it; the worker delivers it.
  // Templates load (and are checked) here, so a broken one stops the start.
  const email = overrides.mailer
    ? null
    : await open(
        async () =>
          createEmailDelivery(config, {
            outbox: repositories.emailOutbox,
            clock,
            logger,
            telemetry,
          }),
        (delivery) => delivery.close(config.http.shutdownTimeoutMs),
      );
  const mailer = overrides.mailer ?? email!.mailer;
  const rateLimits = reportingRefusals(
    await open(
      () => openRateLimits(config.rateLimits, { redis, logger }),
      (limits) => limits.close(),
    ),
    telemetry,
  );

  const services = createServices({
    repositories,
    breachedPasswords: new BreachedPasswords(config.passwords.breachCheck, cache, logger),
    cache,
    clock,
    hasher,
    jwt,
    keyRing,
    mailer,
    logger,
    rateLimits,
    telemetry,
    settings: {
      secretKey: config.secretKey,
      accessTokenLifetimeSeconds: config.jwt.accessTokenLifetimeSeconds,
      refreshTokenLifetimeSeconds: config.jwt.refreshTokenLifetimeSeconds,
      refreshReuseGraceSeconds: config.jwt.refreshReuseGraceSeconds,
      sessionMaxAgeSeconds: config.sessions.maxAgeSeconds,
      sessionIdleSeconds: config.sessions.idleSeconds,
      passwordMinLength: config.passwords.minLength,
      passwordResetTimeoutSeconds: config.passwords.resetTimeoutSeconds,
      frontendUrl: config.frontendUrl,
      emailVerificationTimeoutSeconds: config.emailVerification.timeoutSeconds,
      requireEmailVerification: config.emailVerification.required,
      verificationResendLimit: config.emailVerification.resendLimit,
      verificationResendWindowSeconds: config.emailVerification.resendWindowSeconds,
      appName: config.appName,
      jwtAlgorithm: config.jwt.algorithm,
      jwtPrivateKeyPem: config.jwt.privateKeyPem,
    },
  });

  return {
    config,
    logger,
    clock,
    database,
    cache,
    hasher,
    jwt,
    keyRing,
    mailer,
    emailWorker: email?.worker ?? null,
    rateLimits,
    redis,
    services,
    metrics,
    tracing,
    telemetry,
    healthChecks: {
      database: readinessCheck,
      // The cache and the rate limits share one connection set; with a cache override (tests)
      // the limiter's own is checked too.
      cache: async () => {
        await cache.ping();
        if (redis && overrides.cache) await redis.ping();
      },
    },
    lifecycle,
    async close() {
      await email?.close(config.http.shutdownTimeoutMs);
      await rateLimits.close();
      if (!overrides.cache) await cache.close();
      await redis?.close();
      if (!overrides.database) await database.close();
      untraceQueries?.();
      if (!overrides.tracing) await tracing?.shutdown();
    },
  };
}
