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

function newClient(options: RedisStoreOptions) {
  return createClient({
    url: options.url,
    disableOfflineQueue: true,
    // `run` bounds each command from the moment it is sent to its reply. node-redis's own
    // timeout (5 s unless 0) would cost an AbortSignal.timeout per command: a timer, and a
    // DOMException with a stack when it fires later, reply or not (seen in the benchmark).
    commandOptions: { timeout: 0 },
    socket: {
      connectTimeout: Math.max(options.commandTimeoutMs, 1000),
      reconnectStrategy: (retries) => Math.min(50 * 2 ** retries, MAX_RECONNECT_DELAY_MS),
    },
  });
}

type RedisClient = ReturnType<typeof newClient>;

class NoReplyError extends Error {}

/**
 * Redis behind the KeyValueStore verbs. While Redis is down every command fails at once
 * (no offline queue) and while it hangs every command fails after `commandTimeoutMs`, instead
 * of piling up; the client reconnects by itself with a bounded backoff and the service
 * recovers without a restart.
 */
export class RedisKeyValueStore implements KeyValueStore {
  readonly kind = 'redis';
  private client: RedisClient;
  private readonly options: RedisStoreOptions;
  private readonly prefix: string;
  private readonly logger: Logger;
  private outageLogged = false;
  private closed = false;

  constructor(options: RedisStoreOptions) {
    this.options = options;
    this.prefix = options.keyPrefix;
    this.logger = options.logger;
    this.client = this.createClient();
  }

  private createClient(): RedisClient {
    const client = newClient(this.options);
    client.on('error', (error: Error) => {
      if (this.outageLogged || client !== this.client) return;
      this.outageLogged = true;
      this.logger.error({ err: { message: error.message } }, 'redis unavailable; retrying');
    });
    client.on('ready', () => {
      if (this.outageLogged) this.logger.info('redis connection restored');
      this.outageLogged = false;
    });
    return client;
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
    await this.run((client) => client.ping());
  }

  /** Removes every key of this store's prefix (tests only; never FLUSHDB a shared server). */
  async clearPrefix() {
    for await (const keys of this.client.scanIterator({ MATCH: `${this.prefix}*`, COUNT: 500 })) {
      if (keys.length) await this.client.del(keys);
    }
  }

  async close() {
    this.closed = true;
    if (this.client.isOpen) this.client.destroy();
  }

  private async run<T>(command: (client: RedisClient) => Promise<T>): Promise<T> {
    const client = this.client;
    const timeoutMs = this.options.commandTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const reply = command(client);
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new NoReplyError()), timeoutMs);
    });
    try {
      return await Promise.race([reply, deadline]);
    } catch (error) {
      if (error instanceof NoReplyError) {
        // The stalled command's own answer, if it ever comes, is of no use: the caller has
        // its error already, and the client is replaced just below (which logs the outage).
        reply.catch(() => undefined);
        this.replaceStalledClient(client);
        throw new CacheUnavailableError(`redis: no reply within ${timeoutMs} ms`);
      }
      throw new CacheUnavailableError(`redis: ${(error as Error).message}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Every command here is O(1), so a missing reply means the connection is stalled (a hung
   * server or a half-open socket, which TCP would notice only after many minutes). A fresh
   * client takes over; the stalled one is dropped with whatever it still waits for.
   */
  private replaceStalledClient(stalled: RedisClient) {
    if (this.closed || stalled !== this.client) return;
    if (!this.outageLogged) {
      this.outageLogged = true;
      this.logger.error('redis did not reply in time; reconnecting');
    }
    this.client = this.createClient();
    // A failed connect is reported by the new client's 'error' handler and retried by it.
    this.client.connect().catch(() => undefined);
    if (stalled.isOpen) stalled.destroy();
  }
}
