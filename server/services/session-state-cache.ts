/**
 * Session state for the authenticated hot path, cached in the shared store so checking a token
 * costs one Redis round trip. PostgreSQL stays the source of truth: a miss (after a Redis restart
 * or flush) rebuilds the entry from it, so revocation survives both restarts.
 *
 * An active entry holds the user id and the time of the login, so every hit checks the
 * session's absolute end by this instance's setting and clock (a lowered SESSION_MAX_AGE_DAYS
 * applies at once, even to cached sessions). It holds no idle end: a refresh moves that without
 * touching this entry, and no access token outlives the idle end it was issued under
 * (token-issuer.ts).
 */
import { CacheUnavailableError, type KeyValueStore } from '../lib/cache.js';
import type { Logger } from '../lib/logger.js';
import type { Telemetry } from '../lib/telemetry.js';
import type { SessionRepository } from '../repositories/sessions.js';
import type { SessionLifetime } from './session-lifetime.js';

const REVOKED = '!';
const key = (sessionId: string) => `session:${sessionId}`;

const activeEntry = (userId: string, createdAt: Date) => `${userId} ${createdAt.getTime()}`;

/** The user id and login time of an active entry; null for a value this code did not write. */
function parseActiveEntry(value: string): { userId: string; createdAtMs: number } | null {
  // indexOf and slice rather than split: this runs on every authenticated request.
  const space = value.indexOf(' ');
  const createdAtMs = space > 0 ? Number(value.slice(space + 1)) : NaN;
  return Number.isSafeInteger(createdAtMs) ? { userId: value.slice(0, space), createdAtMs } : null;
}

export class SessionStateCache {
  constructor(
    private readonly cache: KeyValueStore,
    private readonly sessions: SessionRepository,
    private readonly lifetime: SessionLifetime,
    private readonly logger: Logger,
    private readonly telemetry: Telemetry,
    /** Active entries live no longer than an access token, which bounds any stale entry. */
    private readonly ttlSeconds: number,
  ) {}

  /** The session's user id when the session is usable now, else null. */
  async activeUserId(sessionId: string, now: Date): Promise<string | null> {
    let cached: string | null;
    try {
      cached = await this.cache.get(key(sessionId));
    } catch (error) {
      if (!(error instanceof CacheUnavailableError)) throw error;
      // Redis down: answer from PostgreSQL rather than refuse every request or trust a token blindly.
      return this.fromDatabase(sessionId, now, false);
    }
    this.telemetry.tokenCacheLookup(cached === null ? 'miss' : 'hit');
    if (cached === REVOKED) return null;
    if (cached === null) return this.fromDatabase(sessionId, now, true);
    const entry = parseActiveEntry(cached);
    // An entry this code did not write (an older release's) is not trusted: PostgreSQL answers.
    if (!entry) return this.fromDatabase(sessionId, now, false);
    return this.lifetime.isPastMaxAge(entry.createdAtMs, now) ? null : entry.userId;
  }

  async markRevoked(sessionIds: string[]): Promise<void> {
    for (const sessionId of sessionIds) {
      try {
        await this.cache.set(key(sessionId), REVOKED, this.ttlSeconds);
      } catch (error) {
        // PostgreSQL already says revoked; a later miss rebuilds from it. An entry that survived
        // in Redis expires within one access-token lifetime.
        this.logger.warn(
          { sessionId, err: (error as Error).message },
          'could not cache session revocation',
        );
      }
    }
  }

  private async fromDatabase(sessionId: string, now: Date, fill: boolean): Promise<string | null> {
    const state = await this.sessions.findState(sessionId);
    const usable =
      !!state && !state.revoked && state.userActive && !this.lifetime.hasEnded(state, now);
    if (fill && state) {
      const value = usable ? activeEntry(state.userId, state.createdAt) : REVOKED;
      // setIfAbsent: a revocation written meanwhile must win over this (possibly older) read.
      await this.cache.setIfAbsent(key(sessionId), value, this.ttlSeconds).catch((error: Error) => {
        // The answer stands without the cache; while Redis is away the store has said so once.
        if (error instanceof CacheUnavailableError) return;
        this.logger.warn({ sessionId, err: error.message }, 'could not cache session state');
      });
    }
    return usable ? state!.userId : null;
  }
}
