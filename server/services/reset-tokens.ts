/**
 * Password-reset tokens in the shared store. A token is 256 random bits, mailed once and kept
 * only as its SHA-256; it is single use (taken atomically) and a newer request replaces the older.
 *
 * Each entry is bound to the password it may replace (a keyed hash of the account's password
 * hash when the token was asked for). Setting a password in any way (a change, a reset, the
 * operator's CLI, even a login that upgrades the hash) stores a new hash, so every outstanding
 * token of the account stops matching at that moment: whichever store it sits in, however many
 * concurrent requests left one behind, and without a round trip to the store.
 *
 * An entry also carries its expiry, judged by the injected clock: a token given back after a
 * failed reset keeps what was left of its lifetime. The store's TTL only clears old entries.
 */
import type { KeyValueStore } from '../lib/cache.js';
import type { Clock } from '../lib/clock.js';
import { hmacToken, randomToken, sha256Hex } from '../lib/tokens.js';
import type { UserRecord } from '../repositories/index.js';

const tokenKey = (tokenHash: string) => `password-reset:token:${tokenHash}`;
const userKey = (userId: string) => `password-reset:user:${userId}`;

/** What is stored under a token's hash. */
export interface ResetTokenEntry {
  userId: string;
  /** Which password the token may replace (see passwordBinding). */
  binding: string;
  expiresAtMs: number;
}

const serialize = (entry: ResetTokenEntry) =>
  `${entry.userId} ${entry.binding} ${entry.expiresAtMs}`;

function parse(value: string | null): ResetTokenEntry | null {
  const [userId, binding, expiry, ...rest] = value?.split(' ') ?? [];
  const expiresAtMs = Number(expiry);
  if (!userId || !binding || rest.length || !Number.isSafeInteger(expiresAtMs)) return null;
  return { userId, binding, expiresAtMs };
}

export class ResetTokens {
  constructor(
    private readonly cache: KeyValueStore,
    private readonly clock: Clock,
    private readonly secretKey: string,
    private readonly lifetimeSeconds: number,
  ) {}

  /** A new token for `user`, replacing any earlier one. */
  async issue(user: UserRecord): Promise<string> {
    const token = randomToken(32);
    const tokenHash = sha256Hex(token);
    const entry: ResetTokenEntry = {
      userId: user.id,
      binding: this.passwordBinding(user.passwordHash),
      expiresAtMs: this.clock.now().getTime() + this.lifetimeSeconds * 1000,
    };
    const previousHash = await this.cache.getAndDelete(userKey(user.id));
    if (previousHash) await this.cache.delete(tokenKey(previousHash));
    await this.cache.set(tokenKey(tokenHash), serialize(entry), this.lifetimeSeconds);
    await this.cache.set(userKey(user.id), tokenHash, this.lifetimeSeconds);
    return token;
  }

  /** The same store round trips as `issue`, for an email without an account. */
  async imitateIssue(email: string): Promise<void> {
    await this.cache.getAndDelete(userKey('00000000-0000-0000-0000-000000000000'));
    await this.cache.set(tokenKey(sha256Hex(email)), '', 1);
  }

  /** The entry of a live token, without using it up; null for an unknown or expired one. */
  async peek(token: string): Promise<ResetTokenEntry | null> {
    return this.live(parse(await this.cache.get(tokenKey(sha256Hex(token)))));
  }

  /** Uses the token up: of two resets racing with one token, only one gets the entry. */
  async take(token: string): Promise<ResetTokenEntry | null> {
    const entry = this.live(parse(await this.cache.getAndDelete(tokenKey(sha256Hex(token)))));
    if (entry) await this.cache.delete(userKey(entry.userId));
    return entry;
  }

  /** Gives a taken token back (its reset failed), with what was left of its lifetime. */
  async restore(token: string, entry: ResetTokenEntry): Promise<void> {
    const remainingMs = entry.expiresAtMs - this.clock.now().getTime();
    if (remainingMs <= 0) return;
    const tokenHash = sha256Hex(token);
    const ttlSeconds = Math.ceil(remainingMs / 1000);
    // A request made meanwhile has replaced this token: it stays replaced.
    if (!(await this.cache.setIfAbsent(userKey(entry.userId), tokenHash, ttlSeconds))) return;
    await this.cache.set(tokenKey(tokenHash), serialize(entry), ttlSeconds);
  }

  /** Whether the token may still replace `user`'s password: no password was set since it was asked for. */
  isFor(entry: ResetTokenEntry, user: UserRecord): boolean {
    return entry.userId === user.id && entry.binding === this.passwordBinding(user.passwordHash);
  }

  private live(entry: ResetTokenEntry | null): ResetTokenEntry | null {
    return entry && entry.expiresAtMs > this.clock.now().getTime() ? entry : null;
  }

  /** Keyed, so the store never holds anything derived from the hash that could be checked offline. */
  private passwordBinding(passwordHash: string): string {
    return hmacToken(this.secretKey, 'password-reset-binding', passwordHash);
  }
}
