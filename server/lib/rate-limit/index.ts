/** Builds the rate limits the configuration asks for; the composition root calls this once. */
import type { Logger } from '../logger.js';
import type { RedisConnection } from '../redis-connection.js';
import { DisabledRateLimits, FlexibleRateLimits, type RateLimitSettings } from './limiter.js';
import { memoryLimiterStore, redisLimiterStore } from './store.js';
import type { RateLimits } from './types.js';

/** The limits plus what only the composition root needs: where they count, and closing. */
export interface OpenedRateLimits extends RateLimits {
  readonly storeKind: 'redis' | 'memory' | 'off';
  close(): Promise<void>;
}

export async function openRateLimits(
  settings: RateLimitSettings,
  options: {
    /** The service's shared Redis connection (the cache's too); null counts in process. */
    redis: RedisConnection | null;
    logger: Logger;
  },
): Promise<OpenedRateLimits> {
  if (!settings.enabled) {
    options.logger.warn(
      'RATE_LIMIT_ENABLED=false: no rate limits and no failed-login lockout; for load tests and benchmarks only',
    );
    return new DisabledRateLimits();
  }
  const store = options.redis
    ? redisLimiterStore(options.redis, {
        keyPrefix: options.redis.settings.keyPrefix,
        logger: options.logger,
      })
    : memoryLimiterStore();
  return new FlexibleRateLimits(settings, store);
}
