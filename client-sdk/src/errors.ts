import { TRPCClientError } from '@trpc/client';
import type { AppRouter, AuthErrorCode, FieldErrors } from './types.js';

/**
 * An answer that is not the service's JSON: a proxy's or gateway's own error page, a static
 * file server. Its status is kept, so a 502/503/504 in front of the service reads as the
 * service being unavailable rather than as a parse error.
 */
export class UnexpectedResponseError extends Error {
  override name = 'UnexpectedResponseError';
  constructor(readonly status: number) {
    super(`The server answered ${status} without the service's JSON.`);
  }
}

const GATEWAY_STATUSES = new Set([502, 503, 504]);

/**
 * What every failed call throws. It is a `TRPCClientError` (so tRPC's React helpers accept it)
 * with the server's stable `code`, the HTTP `status`, field `errors` for forms, and
 * `retryAfter` (seconds) for RATE_LIMITED and SERVICE_UNAVAILABLE.
 */
export class AuthClientError extends TRPCClientError<AppRouter> {
  readonly code: AuthErrorCode;
  /** The HTTP status, or 0 when no response arrived. */
  readonly status: number;
  readonly errors: FieldErrors;
  readonly retryAfter: number | null;

  private constructor(cause: TRPCClientError<AppRouter>) {
    super(cause.message, {
      result: cause.shape ? { error: cause.shape } : undefined,
      cause,
      meta: cause.meta,
    });
    // TRPCClientError's constructor pins its own prototype; put ours back.
    Object.setPrototypeOf(this, new.target.prototype);
    this.name = 'AuthClientError';
    const data = cause.data;
    const response = cause.meta?.response as { status?: unknown } | undefined;
    const unexpected = cause.cause instanceof UnexpectedResponseError ? cause.cause : undefined;
    this.code =
      data?.appCode ??
      (unexpected && GATEWAY_STATUSES.has(unexpected.status)
        ? 'SERVICE_UNAVAILABLE'
        : 'NETWORK_ERROR');
    this.status =
      data?.httpStatus ??
      unexpected?.status ??
      (typeof response?.status === 'number' ? response.status : 0);
    this.errors = data?.errors ?? {};
    this.retryAfter = data?.retryAfter ?? null;
  }

  /** Wraps anything a call can fail with; an AuthClientError is returned as it is. */
  static override from(error: unknown): AuthClientError {
    if (error instanceof AuthClientError) return error;
    return new AuthClientError(TRPCClientError.from<AppRouter>(asObject(error)));
  }
}

function asObject(error: unknown): object {
  return typeof error === 'object' && error !== null ? error : new Error(String(error));
}

export function isAuthClientError(error: unknown): error is AuthClientError {
  return error instanceof AuthClientError;
}
