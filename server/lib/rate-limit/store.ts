/**
 * Where the counters live. With Redis every instance counts together; each Redis-backed limiter
 * carries an in-process "insurance" twin with the same options, which answers while Redis is
 * unreachable, so an outage degrades limits to per-instance ones (logged once per outage)
 * instead of switching them off or failing requests. Without Redis (zero-setup mode) the
 * counters are in process from the start.
 */
import {
  RateLimiterMemory,
  RateLimiterRedis,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import type { Logger } from '../logger.js';
import type { RedisConnection } from '../redis-connection.js';

type MemoryOptions = ConstructorParameters<typeof RateLimiterMemory>[0];

export interface LimiterOptions {
  /** Distinguishes this counter's keys from every other counter's. */
  name: string;
  points: number;
  durationSeconds: number;
}

export interface LimiterStore {
  readonly kind: 'redis' | 'memory';
  create(options: LimiterOptions): RateLimiterAbstract;
  close(): Promise<void>;
}

/** The in-process twin; tells the store whenever it has to answer in Redis's place. */
class InsuranceLimiter extends RateLimiterMemory {
  constructor(
    options: MemoryOptions,
    private readonly onUse: () => void,
  ) {
    super(options);
  }

  override consume(...args: Parameters<RateLimiterMemory['consume']>) {
    this.onUse();
    return super.consume(...args);
  }

  override get(...args: Parameters<RateLimiterMemory['get']>) {
    this.onUse();
    return super.get(...args);
  }

  override block(...args: Parameters<RateLimiterMemory['block']>) {
    this.onUse();
    return super.block(...args);
  }

  override set(...args: Parameters<RateLimiterMemory['set']>) {
    this.onUse();
    return super.set(...args);
  }

  override delete(...args: Parameters<RateLimiterMemory['delete']>) {
    this.onUse();
    return super.delete(...args);
  }
}

export function memoryLimiterStore(): LimiterStore {
  return {
    kind: 'memory',
    create: ({ name, points, durationSeconds }) =>
      new RateLimiterMemory({ keyPrefix: name, points, duration: durationSeconds }),
    close: async () => {},
  };
}

/**
 * What rate-limiter-flexible holds as its node-redis client: the service's shared connection,
 * each command bounded by its timeout (so while Redis is down or slow a check falls to the
 * in-process twin at once instead of waiting), on whichever client is current.
 */
function limiterClient(connection: RedisConnection) {
  return {
    get isReady() {
      return connection.current().isReady;
    },
    eval: (script: string, options: { keys: string[]; arguments: string[] }) =>
      connection.run((client) => client.eval(script, options)),
    del: (key: string) => connection.run((client) => client.del(key)),
    multi: () => {
      const chain = connection.current().multi();
      const exec = chain.exec.bind(chain);
      return Object.assign(chain, {
        exec: (allowErrors?: boolean) => connection.run(() => exec(allowErrors)),
      });
    },
  };
}

/** Counters in Redis, on the connection the cache uses too (one connection set per process). */
export function redisLimiterStore(
  connection: RedisConnection,
  options: { keyPrefix: string; logger: Logger },
): LimiterStore {
  const { logger } = options;
  let degraded = false;
  const degrade = (reason: string) => {
    if (degraded) return;
    degraded = true;
    logger.warn(
      { reason },
      'rate limits: Redis unreachable; counting in this process until it is back',
    );
  };
  connection.onOutage((down, reason) => {
    if (down) return degrade(reason);
    if (degraded) logger.info('rate limits: Redis reachable again; counting in Redis');
    degraded = false;
  });
  const storeClient = limiterClient(connection);

  return {
    kind: 'redis',
    create: ({ name, points, durationSeconds }) => {
      const shape = { keyPrefix: `${options.keyPrefix}rate-limit:${name}`, points };
      return new RateLimiterRedis({
        ...shape,
        duration: durationSeconds,
        storeClient,
        useRedisPackage: true,
        rejectIfRedisNotReady: true,
        insuranceLimiter: new InsuranceLimiter({ ...shape, duration: durationSeconds }, () =>
          degrade('command failed'),
        ),
      });
    },
    // The connection is the composition root's to close.
    close: async () => {},
  };
}
