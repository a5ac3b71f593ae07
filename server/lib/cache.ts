/**
 * The short-lived, shared key-value store (Redis in production, in process for zero-setup runs).
 * Deliberately tiny, after better-auth's "secondary storage": everything the service keeps in
 * Redis goes through these verbs, so both implementations can be proven identical by one suite.
 */
export interface KeyValueStore {
  readonly kind: 'redis' | 'memory';
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlSeconds?: number): Promise<void>;
  /** Stores the value only when the key is absent; true when it was stored. */
  setIfAbsent(key: string, value: string, ttlSeconds: number): Promise<boolean>;
  /** Reads and removes in one step, so a single-use value can be consumed only once. */
  getAndDelete(key: string): Promise<string | null>;
  /** Adds one; the TTL starts with the first increment and is not extended by later ones. */
  increment(key: string, ttlSeconds: number): Promise<number>;
  delete(key: string): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The store could not answer (Redis down or slow); callers degrade or answer 503. */
export class CacheUnavailableError extends Error {
  override name = 'CacheUnavailableError';
}

interface Entry {
  value: string;
  expiresAt: number;
}

const SWEEP_INTERVAL_MS = 60_000;

/** In-process store for development and tests without Redis; one process only, lost on exit. */
export class MemoryKeyValueStore implements KeyValueStore {
  readonly kind = 'memory';
  private readonly entries = new Map<string, Entry>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly now: () => number = Date.now) {
    this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS).unref();
  }

  async get(key: string) {
    return this.live(key)?.value ?? null;
  }

  async set(key: string, value: string, ttlSeconds?: number) {
    this.entries.set(key, { value, expiresAt: this.expiry(ttlSeconds) });
  }

  async setIfAbsent(key: string, value: string, ttlSeconds: number) {
    if (this.live(key)) return false;
    this.entries.set(key, { value, expiresAt: this.expiry(ttlSeconds) });
    return true;
  }

  async getAndDelete(key: string) {
    const entry = this.live(key);
    this.entries.delete(key);
    return entry?.value ?? null;
  }

  async increment(key: string, ttlSeconds: number) {
    const entry = this.live(key);
    const next = entry ? Number(entry.value) + 1 : 1;
    this.entries.set(key, {
      value: String(next),
      expiresAt: entry ? entry.expiresAt : this.expiry(ttlSeconds),
    });
    return next;
  }

  async delete(key: string) {
    this.entries.delete(key);
  }

  async ping() {}

  async close() {
    clearInterval(this.sweeper);
    this.entries.clear();
  }

  /** Test helper semantics of FLUSHDB. */
  clear() {
    this.entries.clear();
  }

  private expiry(ttlSeconds?: number) {
    return ttlSeconds === undefined ? Number.POSITIVE_INFINITY : this.now() + ttlSeconds * 1000;
  }

  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  private sweep() {
    const now = this.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }
}
