/**
 * Redis: shared state across instances (sessions cache, rate limits); absent, in process. One
 * topology: one server (REDIS_URL), a master behind Sentinel (REDIS_SENTINELS with
 * REDIS_SENTINEL_NAME) or a Redis Cluster (REDIS_CLUSTER_NODES); see docs/scaling.md.
 */
import { z } from 'zod';
import type { RedisSettings, RedisTopology } from '../lib/redis-connection.js';
import { hostPortList, integer, url } from './parsers.js';

export const redisVariables = z.object({
  REDIS_URL: url(/^rediss?:$/, 'redis://').optional(),
  REDIS_SENTINELS: hostPortList.optional(),
  REDIS_SENTINEL_NAME: z.string().min(1).optional(),
  REDIS_SENTINEL_PASSWORD: z.string().min(1).optional(),
  REDIS_CLUSTER_NODES: hostPortList.optional(),
  REDIS_KEY_PREFIX: z.string().default('auth:'),
  REDIS_COMMAND_TIMEOUT_MS: integer(10, 60_000).default(1000),
});

type RedisEnvironment = z.output<typeof redisVariables>;

/** The topology the variables name, or null; config/rules.ts refuses more than one. */
export function redisTopologyFrom(environment: RedisEnvironment): RedisTopology | null {
  if (environment.REDIS_URL) return { kind: 'single', url: environment.REDIS_URL };
  if (environment.REDIS_SENTINELS)
    return {
      kind: 'sentinel',
      sentinels: environment.REDIS_SENTINELS,
      masterName: environment.REDIS_SENTINEL_NAME ?? '',
      sentinelPassword: environment.REDIS_SENTINEL_PASSWORD,
    };
  if (environment.REDIS_CLUSTER_NODES)
    return { kind: 'cluster', nodes: environment.REDIS_CLUSTER_NODES };
  return null;
}

export function redisSection(environment: RedisEnvironment): { redis: RedisSettings | null } {
  const topology = redisTopologyFrom(environment);
  return {
    redis: topology
      ? {
          topology,
          keyPrefix: environment.REDIS_KEY_PREFIX,
          commandTimeoutMs: environment.REDIS_COMMAND_TIMEOUT_MS,
        }
      : null,
  };
}
