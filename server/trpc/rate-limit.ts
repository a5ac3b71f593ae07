/**
 * Rate limits, declared per procedure (`meta.rateLimit`) and enforced here, so the tRPC and the
 * REST formats of one procedure share one set of counters. Per-IP limits key on the client IP
 * the TRUST_PROXY rule decided (IPv6 by its /64); per-account limits key on a digest of the
 * normalized email, read from the raw input because this runs before the input is parsed.
 *
 * Failed logins: the account's lock is checked before the password is (a locked account costs
 * no scrypt); an AUTHENTICATION_FAILED answer counts one failure; a success forgets them all.
 */
import { AppError } from '../errors.js';
import { rateLimitSubjectForIp } from '../lib/rate-limit/ip-prefix.js';
import { accountSubject } from '../lib/rate-limit/limiter.js';
import type {
  RateLimitedAction,
  RateLimitName,
  RateLimits,
  RateLimitVerdict,
} from '../lib/rate-limit/types.js';
import type { RouteMeta } from './context.js';
import { toAppError } from './error-mapping.js';

interface ActionLimits {
  /** Counted per client IP on every call. */
  perIp: RateLimitName;
  /** Counted per account (the `email` of the input) on every call. */
  perAccount?: RateLimitName;
  /** Failed-login lockout of the account named by the input's `email`. */
  loginLockout?: true;
}

// forgot-password and reset-password share one per-IP budget: they are one flow.
const LIMITS: Record<RateLimitedAction, ActionLimits> = {
  login: { perIp: 'loginIp', loginLockout: true },
  register: { perIp: 'registerIp' },
  forgotPassword: { perIp: 'passwordResetIp', perAccount: 'passwordResetAccount' },
  resetPassword: { perIp: 'passwordResetIp' },
  refresh: { perIp: 'refreshIp' },
  verifyEmail: { perIp: 'verifyIp' },
  resendVerification: { perIp: 'verifyIp' },
};

/** The IETF draft's RateLimit headers for a verdict. */
export function rateLimitHeaders(verdict: RateLimitVerdict): Record<string, string> {
  return {
    'RateLimit-Limit': String(verdict.limit),
    'RateLimit-Remaining': String(verdict.remaining),
    'RateLimit-Reset': String(verdict.resetSeconds),
    'RateLimit-Policy': `${verdict.limit};w=${verdict.windowSeconds}`,
  };
}

function rateLimited(verdict: RateLimitVerdict): AppError {
  return new AppError('RATE_LIMITED', {
    retryAfterSeconds: verdict.resetSeconds,
    headers: rateLimitHeaders({ ...verdict, remaining: 0 }),
  });
}

function assertAllowed(verdict: RateLimitVerdict) {
  if (!verdict.allowed) throw rateLimited(verdict);
}

/** The input's `email`, normalized as the schemas do (trimmed, lower-cased), if it has one. */
function emailOf(rawInput: unknown): string | null {
  const email = (rawInput as { email?: unknown } | null | undefined)?.email;
  if (typeof email !== 'string') return null;
  const normalized = email.trim().toLowerCase();
  return normalized ? normalized : null;
}

export interface LimitedCall {
  services: { rateLimits: RateLimits };
  request: { ip: string };
  meta: RouteMeta | undefined;
  getRawInput: () => Promise<unknown>;
}

/** The middleware body: checks and counts around `next()`, which runs the procedure. */
export async function enforceRateLimits<Result extends { ok: boolean; error?: unknown }>(
  call: LimitedCall,
  next: () => Promise<Result>,
): Promise<Result> {
  const action = call.meta?.rateLimit;
  const rateLimits = call.services.rateLimits;
  if (!action || !rateLimits.enabled) return next();
  const limits = LIMITS[action];

  assertAllowed(await rateLimits.consume(limits.perIp, rateLimitSubjectForIp(call.request.ip)));
  const email = limits.perAccount || limits.loginLockout ? emailOf(await call.getRawInput()) : null;
  if (email && limits.perAccount) {
    assertAllowed(await rateLimits.consume(limits.perAccount, accountSubject(email)));
  }
  if (!email || !limits.loginLockout) return next();

  assertAllowed(await rateLimits.checkLogin(email));
  const result = await next();
  if (result.ok) await rateLimits.clearLoginFailures(email);
  else if (toAppError(result.error).code === 'AUTHENTICATION_FAILED')
    await rateLimits.recordLoginFailure(email);
  return result;
}

/** Retry-After and RateLimit headers for a tRPC HTTP response that carries a RATE_LIMITED error. */
export function rateLimitResponseHeaders(errors: readonly unknown[]): Record<string, string> {
  for (const error of errors) {
    const appError = toAppError(error);
    if (appError.code !== 'RATE_LIMITED') continue;
    return {
      ...(appError.retryAfterSeconds !== undefined
        ? { 'Retry-After': String(Math.ceil(appError.retryAfterSeconds)) }
        : {}),
      ...appError.headers,
    };
  }
  return {};
}
