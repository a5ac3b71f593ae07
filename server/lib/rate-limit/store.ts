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
import { createClient } from 'redis';
import type { Logger } from '../logger.js';

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

export interface RedisLimiterStoreOptions {
  url: string;
  /** Prepended to every key, as for the rest of the service's Redis keys. */
  keyPrefix: string;
  commandTimeoutMs: number;
  logger: Logger;
}

const MAX_RECONNECT_DELAY_MS = 2000;

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
 * A store on its own Redis connection: no offline queue and a per-command timeout, so while
 * Redis is down or slow each check falls to the in-process twin at once instead of waiting.
 */
export async function redisLimiterStore(
  options: RedisLimiterStoreOptions,
  connectWaitMs: number,
): Promise<LimiterStore> {
  const { logger } = options;
  const client = createClient({
    url: options.url,
    disableOfflineQueue: true,
    commandOptions: { timeout: options.commandTimeoutMs },
    socket: {
      connectTimeout: Math.max(options.commandTimeoutMs, 1000),
      reconnectStrategy: (retries) => Math.min(50 * 2 ** retries, MAX_RECONNECT_DELAY_MS),
    },
  });
  let degraded = false;
  const degrade = (reason: string) => {
    if (degraded) return;
    degraded = true;
    logger.warn(
      { reason },
      'rate limits: Redis unreachable; counting in this process until it is back',
    );
  };
  client.on('error', (error: Error) => degrade(error.message));
  client.on('ready', () => {
    if (degraded) logger.info('rate limits: Redis reachable again; counting in Redis');
    degraded = false;
  });

  const connected = client.connect().then(
    () => true,
    () => false,
  );
  const waited = new Promise<boolean>((resolve) =>
    setTimeout(() => resolve(false), connectWaitMs).unref(),
  );
  if (!(await Promise.race([connected, waited]))) degrade('not reachable at start');

  return {
    kind: 'redis',
    create: ({ name, points, durationSeconds }) => {
      const shape = { keyPrefix: `${options.keyPrefix}rate-limit:${name}`, points };
      return new RateLimiterRedis({
        ...shape,
        duration: durationSeconds,
        storeClient: client,
        useRedisPackage: true,
        rejectIfRedisNotReady: true,
        insuranceLimiter: new InsuranceLimiter({ ...shape, duration: durationSeconds }, () =>
          degrade('command failed'),
        ),
      });
    },
    async close() {
      if (client.isOpen) client.destroy();
    },
  };
}
