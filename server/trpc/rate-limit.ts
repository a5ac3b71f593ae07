/**
 * Rate limits, declared per procedure (`meta.rateLimit`) and enforced here, so the tRPC and the
 * REST formats of one procedure share one set of counters. Per-IP limits key on the client IP
 * the TRUST_PROXY rule decided (IPv6 by its /64); per-account limits key on a digest of the
 * normalized email of a public procedure's input, or on the caller of an authenticated one.
 *
 * A procedure's action also says whether it runs a password hash (`password`): one that checks
 * the caller's password counts every check toward the account's failed-password lock
 * (services/password-checks.ts), and no request may hold more than one call that hashes.
 */
import { rateLimitSubjectForIp } from '../lib/rate-limit/ip-prefix.js';
import { accountSubject } from '../lib/rate-limit/limiter.js';
import { assertAllowed } from '../lib/rate-limit/refusal.js';
import type { RateLimitedAction, RateLimitName, RateLimits } from '../lib/rate-limit/types.js';
import type { RouteMeta } from './context.js';
import { toAppError } from './error-mapping.js';

export interface ActionLimits {
  /** Counted per client IP on every call. */
  perIp: RateLimitName;
  /** Counted per account on every call: the input's `email`, or the authenticated caller. */
  perAccount?: RateLimitName;
  /**
   * `checks`: verifies the account's password (and counts toward its lock); `sets`: hashes a
   * new one. Either runs scrypt, so a request holds at most one such call.
   */
  password?: 'checks' | 'sets';
}

// forgot-password and reset-password share one per-IP budget: they are one flow.
const LIMITS: Record<RateLimitedAction, ActionLimits> = {
  login: { perIp: 'loginIp', password: 'checks' },
  register: { perIp: 'registerIp', password: 'sets' },
  forgotPassword: { perIp: 'passwordResetIp', perAccount: 'passwordResetAccount' },
  resetPassword: { perIp: 'passwordResetIp', password: 'sets' },
  refresh: { perIp: 'refreshIp' },
  verifyEmail: { perIp: 'verifyIp' },
  resendVerification: { perIp: 'verifyIp' },
  changePassword: {
    perIp: 'passwordCheckIp',
    perAccount: 'passwordCheckAccount',
    password: 'checks',
  },
  // The caller's password confirms a change (TOTP setup, email change, deletion, ...).
  confirmPassword: {
    perIp: 'passwordCheckIp',
    perAccount: 'passwordCheckAccount',
    password: 'checks',
  },
  // A code confirms TOTP: no hash, but the same budget as a password confirmation.
  secondFactor: { perIp: 'passwordCheckIp', perAccount: 'passwordCheckAccount' },
  // The second step of a login shares the login's per-IP budget.
  loginMfa: { perIp: 'loginIp' },
};

/** What a procedure's meta says about passwords: nothing, `checks` or `sets`. */
export function passwordUse(meta: RouteMeta | undefined): ActionLimits['password'] {
  return meta?.rateLimit ? LIMITS[meta.rateLimit].password : undefined;
}

/** The limits a procedure's meta names, for the route table and the docs. */
export function limitsOf(meta: RouteMeta | undefined): ActionLimits | undefined {
  return meta?.rateLimit ? LIMITS[meta.rateLimit] : undefined;
}

/** The input's `email`, normalized as the schemas do (trimmed, lower-cased), if it has one. */
export function emailOf(rawInput: unknown): string | null {
  const email = (rawInput as { email?: unknown } | null | undefined)?.email;
  if (typeof email !== 'string') return null;
  const normalized = email.trim().toLowerCase();
  return normalized ? normalized : null;
}

/**
 * The limits a call must be counted against, or null when there are none (the procedure
 * declares none, or RATE_LIMIT_ENABLED=false): decided once per call, so a procedure without
 * limits (every authenticated read) awaits nothing for them.
 */
export function limitsForCall(rateLimits: RateLimits, meta: RouteMeta | undefined) {
  const limits = rateLimits.enabled ? limitsOf(meta) : undefined;
  return limits ? { rateLimits, limits } : null;
}

type CallLimits = NonNullable<ReturnType<typeof limitsForCall>>;

/**
 * Counts a call against its per-IP limit; throws RATE_LIMITED when over. Runs before
 * authentication, so requests with a bad token are counted too.
 */
export async function limitPerIp({ rateLimits, limits }: CallLimits, ip: string): Promise<void> {
  assertAllowed(await rateLimits.consume(limits.perIp, rateLimitSubjectForIp(ip)));
}

/**
 * Counts a call against its per-account limit, if it has one. `account` is who is counted (a
 * normalized email or a user id), asked for only when there is such a limit.
 */
export async function limitPerAccount(
  { rateLimits, limits }: CallLimits,
  account: () => Promise<string | null> | string | null,
): Promise<void> {
  if (!limits.perAccount) return;
  const subject = await account();
  if (subject) assertAllowed(await rateLimits.consume(limits.perAccount, accountSubject(subject)));
}

/**
 * Retry-After (and, on a 429, the RateLimit headers) for a tRPC HTTP response that carries a
 * RATE_LIMITED or SERVICE_UNAVAILABLE error, as REST answers them.
 */
export function retryResponseHeaders(errors: readonly unknown[]): Record<string, string> {
  for (const error of errors) {
    const appError = toAppError(error);
    if (appError.code !== 'RATE_LIMITED' && appError.code !== 'SERVICE_UNAVAILABLE') continue;
    return {
      ...(appError.retryAfterSeconds !== undefined
        ? { 'Retry-After': String(Math.ceil(appError.retryAfterSeconds)) }
        : {}),
      ...appError.headers,
    };
  }
  return {};
}
