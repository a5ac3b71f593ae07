/**
 * Time passing for keys in Redis, without waiting for it: Redis expires keys on its own clock,
 * so a test that must see a TTL run out moves the keys' TTLs instead (what `seconds` of waiting
 * would leave of them), and the key whose TTL is used up is gone. Keys without a TTL are left
 * alone. Only the keys under `prefix` are touched, so parallel runs do not see each other.
 */
import { createClient } from 'redis';

export interface RedisTime {
  advanceSeconds(seconds: number): Promise<void>;
  close(): Promise<void>;
}

export async function redisTime(url: string, prefix: string): Promise<RedisTime> {
  const client = createClient({ url });
  await client.connect();
  return {
    async advanceSeconds(seconds) {
      for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) {
        for (const key of keys) {
          const left = await client.pTTL(key);
          if (left < 0) continue; // no TTL (-1), or already gone (-2)
          const remaining = left - Math.round(seconds * 1000);
          if (remaining > 0) await client.pExpire(key, remaining);
          else await client.del(key);
        }
      }
    },
    async close() {
      client.destroy();
    },
  };
}
