/** How a refused verdict reaches the client: 429 with Retry-After and the IETF RateLimit headers. */
import { AppError } from '../../errors.js';
import type { RateLimitVerdict } from './types.js';

function rateLimitHeaders(verdict: RateLimitVerdict): Record<string, string> {
  return {
    'RateLimit-Limit': String(verdict.limit),
    'RateLimit-Remaining': String(verdict.remaining),
    'RateLimit-Reset': String(verdict.resetSeconds),
    'RateLimit-Policy': `${verdict.limit};w=${verdict.windowSeconds}`,
  };
}

function rateLimitedError(verdict: RateLimitVerdict): AppError {
  return new AppError('RATE_LIMITED', {
    retryAfterSeconds: verdict.resetSeconds,
    headers: rateLimitHeaders({ ...verdict, remaining: 0 }),
  });
}

export function assertAllowed(verdict: RateLimitVerdict): void {
  if (!verdict.allowed) throw rateLimitedError(verdict);
}
