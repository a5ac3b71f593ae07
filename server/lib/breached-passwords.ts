/**
 * Passwords known from breaches, by the Have I Been Pwned range API (k-anonymity): only the
 * first 5 hex characters of the password's SHA-1 leave the service; the API answers every
 * suffix it knows under that prefix, and the match is made here. `Add-Padding: true` asks for
 * decoy lines (count 0) so the size of the answer tells an observer nothing either.
 *
 * - Answers are cached in the shared store by prefix for a day, so a popular prefix costs one
 *   request a day, not one per registration.
 * - A short timeout: the check sits on register, reset and change-password.
 * - When the API cannot be reached the check fails open (the password is accepted, a warning
 *   logged) unless the deployment asked for fail-closed, then BreachCheckUnavailableError.
 * - Never called for login: a user must be able to sign in to change a breached password.
 */
import { createHash } from 'node:crypto';
import type { KeyValueStore } from './cache.js';
import type { Logger } from './logger.js';

const CACHE_SECONDS = 24 * 3600;
const TIMEOUT_MS = 3000;

export interface BreachCheckSettings {
  enabled: boolean;
  /** The API's base URL; `/range/{prefix}` is appended. */
  apiUrl: string;
  failClosed: boolean;
}

/** The range API could not be asked, and the deployment refuses passwords unchecked. */
export class BreachCheckUnavailableError extends Error {
  override name = 'BreachCheckUnavailableError';
}

export class BreachedPasswords {
  constructor(
    private readonly settings: BreachCheckSettings,
    private readonly cache: KeyValueStore,
    private readonly logger: Logger,
    private readonly timeoutMs = TIMEOUT_MS,
  ) {}

  get enabled(): boolean {
    return this.settings.enabled;
  }

  /** Whether the password appears in a known breach; false when the check is off. */
  async isBreached(password: string): Promise<boolean> {
    if (!this.settings.enabled) return false;
    const digest = createHash('sha1').update(password, 'utf8').digest('hex').toUpperCase();
    const prefix = digest.slice(0, 5);
    const suffixes = await this.suffixes(prefix);
    return suffixes === null ? false : suffixes.has(digest.slice(5));
  }

  /** The breached suffixes under `prefix`; null when unknown and failing open. */
  private async suffixes(prefix: string): Promise<Set<string> | null> {
    const key = `hibp-range:${prefix}`;
    const cached = await this.cache.get(key).catch(() => null);
    if (cached !== null) return new Set(cached ? cached.split(',') : []);
    let body: string;
    try {
      const response = await fetch(`${this.settings.apiUrl}/range/${prefix}`, {
        headers: { 'Add-Padding': 'true', 'User-Agent': 'auth-service' },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (!response.ok) throw new Error(`the range API answered ${response.status}`);
      body = await response.text();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (this.settings.failClosed) {
        this.logger.error({ err: reason }, 'breached-password check unavailable; refusing');
        throw new BreachCheckUnavailableError(reason);
      }
      this.logger.warn({ err: reason }, 'breached-password check unavailable; password accepted');
      return null;
    }
    const found = parseRange(body);
    await this.cache
      .set(key, [...found].join(','), CACHE_SECONDS)
      .catch((error: Error) =>
        this.logger.warn({ err: error.message }, 'could not cache a breached-password range'),
      );
    return found;
  }
}

/** `SUFFIX:COUNT` lines; padding lines have a count of 0 and are no breach. */
function parseRange(body: string): Set<string> {
  const found = new Set<string>();
  for (const line of body.split(/\r?\n/)) {
    const [suffix, count] = line.trim().split(':');
    if (suffix && /^[0-9A-F]{35}$/i.test(suffix) && Number(count) > 0)
      found.add(suffix.toUpperCase());
  }
  return found;
}
