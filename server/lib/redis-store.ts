import { createClient } from 'redis';
import { CacheUnavailableError, type KeyValueStore } from './cache.js';
import type { Logger } from './logger.js';

export interface RedisStoreOptions {
  url: string;
  keyPrefix: string;
  commandTimeoutMs: number;
  logger: Logger;
}

// INCR and the first EXPIRE in one step, so a crash between them cannot leave a counter that
// never expires. A script rather than `EXPIRE ... NX` keeps Redis 6 supported.
const INCREMENT_WITH_TTL = `
local value = redis.call('INCR', KEYS[1])
if value == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return value`;

const MAX_RECONNECT_DELAY_MS = 2000;

/**
 * Redis behind the KeyValueStore verbs. While Redis is down every command fails at once
 * (no offline queue, a per-command timeout) instead of piling up; the client reconnects by
 * itself with a bounded backoff and the service recovers without a restart.
 */
export class RedisKeyValueStore implements KeyValueStore {
  readonly kind = 'redis';
  private readonly client;
  private readonly prefix: string;
  private readonly logger: Logger;
  private outageLogged = false;

  constructor(options: RedisStoreOptions) {
    this.prefix = options.keyPrefix;
    this.logger = options.logger;
    this.client = createClient({
      url: options.url,
      disableOfflineQueue: true,
      commandOptions: { timeout: options.commandTimeoutMs },
      socket: {
        connectTimeout: Math.max(options.commandTimeoutMs, 1000),
        reconnectStrategy: (retries) => Math.min(50 * 2 ** retries, MAX_RECONNECT_DELAY_MS),
      },
    });
    this.client.on('error', (error: Error) => {
      if (this.outageLogged) return;
      this.outageLogged = true;
      this.logger.error({ err: { message: error.message } }, 'redis unavailable; retrying');
    });
    this.client.on('ready', () => {
      if (this.outageLogged) this.logger.info('redis connection restored');
      this.outageLogged = false;
    });
  }

  /** Connects, waiting at most `timeoutMs`; later failures are retried in the background. */
  async connect(timeoutMs: number): Promise<boolean> {
    const connecting = this.client.connect().then(
      () => true,
      () => false,
    );
    const timer = new Promise<boolean>((resolve) =>
      setTimeout(() => resolve(false), timeoutMs).unref(),
    );
    return Promise.race([connecting, timer]);
  }

  get(key: string) {
    return this.run(() => this.client.get(this.prefix + key));
  }

  async set(key: string, value: string, ttlSeconds?: number) {
    await this.run(() =>
      this.client.set(this.prefix + key, value, ttlSeconds ? { EX: ttlSeconds } : undefined),
    );
  }

  async setIfAbsent(key: string, value: string, ttlSeconds: number) {
    const reply = await this.run(() =>
      this.client.set(this.prefix + key, value, { EX: ttlSeconds, NX: true }),
    );
    return reply === 'OK';
  }

  getAndDelete(key: string) {
    return this.run(() => this.client.getDel(this.prefix + key));
  }

  async increment(key: string, ttlSeconds: number) {
    const reply = await this.run(() =>
      this.client.eval(INCREMENT_WITH_TTL, {
        keys: [this.prefix + key],
        arguments: [String(ttlSeconds)],
      }),
    );
    return Number(reply);
  }

  async delete(key: string) {
    await this.run(() => this.client.del(this.prefix + key));
  }

  async ping() {
    await this.run(() => this.client.ping());
  }

  /** Removes every key of this store's prefix (tests only; never FLUSHDB a shared server). */
  async clearPrefix() {
    for await (const keys of this.client.scanIterator({ MATCH: `${this.prefix}*`, COUNT: 500 })) {
      if (keys.length) await this.client.del(keys);
    }
  }

  async close() {
    if (this.client.isOpen) this.client.destroy();
  }

  private async run<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      throw new CacheUnavailableError(`redis: ${(error as Error).message}`, { cause: error });
    }
  }
}
