import type { KeyValueStore } from './cache.js';
import type { RedisCommands, RedisConnection } from './redis-connection.js';
import { silentTelemetry, type Telemetry } from './telemetry.js';

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
    /** Told the time of every command (metrics) and given a span around it (traces). */
    private readonly telemetry: Telemetry = silentTelemetry,
  ) {
    this.prefix = keyPrefix;
  }

  get(key: string) {
    return this.run('GET', (client) => client.get(this.prefix + key));
  }

  async set(key: string, value: string, ttlSeconds?: number) {
    await this.run('SET', (client) =>
      client.set(this.prefix + key, value, ttlSeconds ? { EX: ttlSeconds } : undefined),
    );
  }

  async setIfAbsent(key: string, value: string, ttlSeconds: number) {
    const reply = await this.run('SET', (client) =>
      client.set(this.prefix + key, value, { EX: ttlSeconds, NX: true }),
    );
    return reply === 'OK';
  }

  getAndDelete(key: string) {
    return this.run('GETDEL', (client) => client.getDel(this.prefix + key));
  }

  async increment(key: string, ttlSeconds: number) {
    const reply = await this.run('EVAL', (client) =>
      client.eval(INCREMENT_WITH_TTL, {
        keys: [this.prefix + key],
        arguments: [String(ttlSeconds)],
      }),
    );
    return Number(reply);
  }

  async delete(key: string) {
    await this.run('DEL', (client) => client.del(this.prefix + key));
  }

  async ping() {
    await this.measured('PING', () => this.connection.ping());
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
  private run<T>(name: string, command: (client: RedisCommands) => Promise<T>): Promise<T> {
    return this.measured(name, () => this.connection.run(command));
  }

  private measured<T>(name: string, send: () => Promise<T>): Promise<T> {
    return this.telemetry.span(`redis ${name}`, { 'db.system': 'redis' }, async () => {
      const startedAt = performance.now();
      let failed = true;
      try {
        const reply = await send();
        failed = false;
        return reply;
      } finally {
        this.telemetry.redisCommand(name, (performance.now() - startedAt) / 1000, failed);
      }
    });
  }
}
