/**
 * The plain shapes of rate limiting, shared by the limiter, the tRPC middleware and the service
 * contracts. This file imports nothing: its types reach the client SDK's declarations (through
 * `Services` and procedure meta), so they must stay free of any store or library type.
 */

/** The counters a deployment can size, each "so many requests per so many seconds". */
export type RateLimitName =
  | 'loginIp'
  | 'registerIp'
  | 'passwordResetIp'
  | 'passwordResetAccount'
  | 'refreshIp'
  | 'verifyIp'
  | 'passwordCheckIp'
  | 'passwordCheckAccount';

/** What a procedure declares in its meta (`rateLimit`); the middleware maps it to counters. */
export type RateLimitedAction =
  | 'login'
  | 'register'
  | 'forgotPassword'
  | 'resetPassword'
  | 'refresh'
  | 'verifyEmail'
  | 'resendVerification'
  | 'changePassword'
  | 'confirmPassword'
  | 'secondFactor'
  | 'loginMfa';

export interface RateLimitRule {
  points: number;
  durationSeconds: number;
}

/** Failed logins per account: a burst of `failures`, then locks that double each time. */
export interface LoginLockoutRule {
  /** Failures allowed within `windowSeconds` before the account is locked. */
  failures: number;
  /** The failure window, and the length of the first lock. */
  windowSeconds: number;
  /** No lock lasts longer; earlier locks count for the doubling until a lock-free spell this long. */
  maxLockSeconds: number;
}

/** The outcome of one check, with what the IETF RateLimit headers report. */
export interface RateLimitVerdict {
  allowed: boolean;
  /** The quota of the window (RateLimit-Limit). */
  limit: number;
  /** What is left of it after this request (RateLimit-Remaining). */
  remaining: number;
  /** Seconds until the quota is restored or the lock ends (RateLimit-Reset, Retry-After). */
  resetSeconds: number;
  /** The window the quota applies to, for RateLimit-Policy. */
  windowSeconds: number;
}

/**
 * Counters shared by every instance. `subject` is what is counted: a client IP (or its /64), a
 * normalized email or a user id; callers never pass raw, unnormalized input.
 */
export interface RateLimits {
  /** False when RATE_LIMIT_ENABLED=false: every check allows. */
  readonly enabled: boolean;
  /** Counts one request against `name` for `subject`. */
  consume(name: RateLimitName, subject: string): Promise<RateLimitVerdict>;
  /**
   * Claims one password check for the account before the check runs, atomically, so however
   * the attempts arrive (in parallel, in one batch, at several instances) no more than the
   * burst of checks runs per window. Refused while the account is locked or its burst is spent.
   */
  reservePasswordCheck(email: string): Promise<PasswordCheckReservation>;
  /** Forgets the account's failures and earlier locks (after a successful login or reset). */
  clearLoginFailures(email: string): Promise<void>;
}

/** One claimed password check; exactly one of its three endings is called. */
export interface PasswordCheckReservation {
  readonly verdict: RateLimitVerdict;
  /** The password was wrong: the check stays counted; the one that ends the burst locks. */
  failed(): Promise<void>;
  /** The password was right: the account's failures and earlier locks are forgotten. */
  succeeded(): Promise<void>;
  /** No password was checked after all (a full hash queue, a database error): hand it back. */
  release(): Promise<void>;
}
