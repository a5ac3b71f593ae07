/**
 * How long a session (one login) lasts. Two ends, whichever comes first:
 *
 * - the absolute end, SESSION_MAX_AGE_DAYS after the login, however often the session refreshes:
 *   a stolen refresh token that is kept fresh still dies with its session;
 * - the idle end, SESSION_IDLE_DAYS after the last refresh (the login counting as one).
 *
 * A session row's `expires_at` holds the end as of its last refresh (the idle end, capped at the
 * absolute end), and every token the session issues expires no later than that. The absolute
 * end is computed from `created_at` and the setting rather than stored, so lowering
 * SESSION_MAX_AGE_DAYS ends older sessions at once, on the next request they make.
 */
export interface SessionTimes {
  createdAt: Date;
  expiresAt: Date;
}

export class SessionLifetime {
  constructor(
    private readonly maxAgeSeconds: number,
    private readonly idleSeconds: number,
  ) {}

  absoluteEnd(createdAt: Date): Date {
    return new Date(createdAt.getTime() + this.maxAgeSeconds * 1000);
  }

  /** Where a session logged in at `createdAt` ends when it refreshes at `now`. */
  endAfterRefresh(createdAt: Date, now: Date): Date {
    const idleEnd = now.getTime() + this.idleSeconds * 1000;
    return new Date(Math.min(idleEnd, this.absoluteEnd(createdAt).getTime()));
  }

  hasEnded(session: SessionTimes, now: Date): boolean {
    return (
      session.expiresAt.getTime() <= now.getTime() ||
      this.isPastMaxAge(session.createdAt.getTime(), now)
    );
  }

  /** Whether a session logged in at `createdAtMs` has reached its absolute end by `now`. */
  isPastMaxAge(createdAtMs: number, now: Date): boolean {
    return createdAtMs + this.maxAgeSeconds * 1000 <= now.getTime();
  }

  /** A session whose login is at or before this moment has passed its absolute end. */
  loginCutoff(now: Date): Date {
    return new Date(now.getTime() - this.maxAgeSeconds * 1000);
  }
}
