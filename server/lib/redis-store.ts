import type { KeyValueStore } from './cache.js';
import type { RedisCommands, RedisConnection } from './redis-connection.js';

// INCR and the first EXPIRE in one step, so a crash between them cannot leave a counter that
// never expires. A script rather than `EXPIRE ... NX` keeps Redis 6 supported. One key, so it
// runs on a Redis Cluster too.
const INCREMENT_WITH_TTL = `
local value = redis.call('INCR', KEYS[1])
if value == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return value`;

/**
 * Redis behind the KeyValueStore verbs, on the service's shared connection (whichever topology
 * it is). Every verb names one key. The connection belongs to whoever opened it: closing the
 * store leaves it open for the rate limiter that shares it.
 */
export class RedisKeyValueStore implements KeyValueStore {
  readonly kind = 'redis';
  private readonly prefix: string;

  constructor(
    private readonly connection: RedisConnection,
    keyPrefix = connection.settings.keyPrefix,
  ) {
    this.prefix = keyPrefix;
  }

  get(key: string) {
    return this.run((client) => client.get(this.prefix + key));
  }

  async set(key: string, value: string, ttlSeconds?: number) {
    await this.run((client) =>
      client.set(this.prefix + key, value, ttlSeconds ? { EX: ttlSeconds } : undefined),
    );
  }

  async setIfAbsent(key: string, value: string, ttlSeconds: number) {
    const reply = await this.run((client) =>
      client.set(this.prefix + key, value, { EX: ttlSeconds, NX: true }),
    );
    return reply === 'OK';
  }

  getAndDelete(key: string) {
    return this.run((client) => client.getDel(this.prefix + key));
  }

  async increment(key: string, ttlSeconds: number) {
    const reply = await this.run((client) =>
      client.eval(INCREMENT_WITH_TTL, {
        keys: [this.prefix + key],
        arguments: [String(ttlSeconds)],
      }),
    );
    return Number(reply);
  }

  async delete(key: string) {
    await this.run((client) => client.del(this.prefix + key));
  }

  async ping() {
    await this.connection.ping();
  }

  /** Removes every key of this store's prefix, one key a command (tests only). */
  async clearPrefix() {
    for await (const keys of this.connection.scan(`${this.prefix}*`)) {
      await Promise.all(keys.map((key) => this.connection.run((client) => client.del(key))));
    }
  }

  /** The shared connection stays open; its owner closes it. */
  async close() {}

  /** Bounded by the command timeout; a failure is a CacheUnavailableError. */
  private run<T>(command: (client: RedisCommands) => Promise<T>): Promise<T> {
    return this.connection.run(command);
  }
}
