/** Redis: shared state across instances (sessions cache, rate limits); absent, in process. */
import { z } from 'zod';
import { integer, url } from './parsers.js';

export const redisVariables = z.object({
  REDIS_URL: url(/^rediss?:$/, 'redis://').optional(),
  REDIS_KEY_PREFIX: z.string().default('auth:'),
  REDIS_COMMAND_TIMEOUT_MS: integer(10, 60_000).default(1000),
});

export function redisSection(environment: z.output<typeof redisVariables>) {
  return {
    redis: environment.REDIS_URL
      ? {
          url: environment.REDIS_URL,
          keyPrefix: environment.REDIS_KEY_PREFIX,
          commandTimeoutMs: environment.REDIS_COMMAND_TIMEOUT_MS,
        }
      : null,
  };
}
