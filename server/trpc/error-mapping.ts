/**
 * The one place where errors meet the wire: anything thrown below the routers becomes an
 * AppError, and an AppError becomes a tRPC error or the REST envelope `{detail, code, errors}`.
 */
import { TRPCError } from '@trpc/server';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server';
import { CacheUnavailableError } from '../lib/cache.js';
import { QueueFullError } from '../lib/semaphore.js';
import { AppError, ERROR_CATALOGUE, type ErrorCode, type FieldErrors } from '../errors.js';

const TRPC_CODE_BY_APP_CODE: Record<ErrorCode, TRPC_ERROR_CODE_KEY> = {
  VALIDATION_ERROR: 'BAD_REQUEST',
  AUTHENTICATION_FAILED: 'UNAUTHORIZED',
  NOT_AUTHENTICATED: 'UNAUTHORIZED',
  TOKEN_INVALID: 'UNAUTHORIZED',
  EMAIL_NOT_VERIFIED: 'UNAUTHORIZED',
  PERMISSION_DENIED: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  METHOD_NOT_ALLOWED: 'METHOD_NOT_SUPPORTED',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  RATE_LIMITED: 'TOO_MANY_REQUESTS',
  INTERNAL_ERROR: 'INTERNAL_SERVER_ERROR',
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
};

const APP_CODE_BY_TRPC_CODE: Partial<Record<TRPC_ERROR_CODE_KEY, ErrorCode>> = {
  BAD_REQUEST: 'VALIDATION_ERROR',
  PARSE_ERROR: 'VALIDATION_ERROR',
  UNAUTHORIZED: 'NOT_AUTHENTICATED',
  FORBIDDEN: 'PERMISSION_DENIED',
  NOT_FOUND: 'NOT_FOUND',
  METHOD_NOT_SUPPORTED: 'METHOD_NOT_ALLOWED',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  TOO_MANY_REQUESTS: 'RATE_LIMITED',
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
};

interface SchemaIssue {
  path?: ReadonlyArray<PropertyKey | { key: PropertyKey }>;
  message: string;
}

function hasIssues(value: unknown): value is { issues: SchemaIssue[] } {
  return (
    typeof value === 'object' &&
    value !== null &&
    Array.isArray((value as { issues?: unknown }).issues)
  );
}

/** Schema issues keyed by the request field they concern, as DRF reports them. */
export function fieldErrorsFromIssues(issues: SchemaIssue[]): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of issues) {
    const segments = (issue.path ?? []).map((segment) =>
      typeof segment === 'object' ? String(segment.key) : String(segment),
    );
    const field = segments.length ? segments.join('.') : 'non_field_errors';
    (errors[field] ??= []).push(issue.message);
  }
  return errors;
}

// SQLSTATEs that say the connection, not the statement, failed: class 08 (connection exception),
// the server shutting down or terminating this backend (57P01-57P03), too many connections, and
// the socket errors pg reports as codes. The transaction (if any) never committed.
const CONNECTION_LOST_CODES = /^(08\w{3}|57P0[123]|53300|ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT)$/;
// pg's messages when the socket ends under a query (no SQLSTATE: the server never answered).
const CONNECTION_LOST_MESSAGES = /Connection terminated|not queryable|Query read timeout/;

function isDatabaseUnavailable(error: unknown): boolean {
  const name = (error as { name?: string } | null)?.name ?? '';
  const connectionFailure =
    /^Sequelize(Connection\w*|HostNotFound|HostNotReachable|ConnectionAcquireTimeout)Error$/;
  if (connectionFailure.test(name)) return true;
  // A connection gone silent (the client's query timeout), cut or terminated mid-query, or a
  // statement the server cancelled at statement_timeout (57014): the database is unreachable
  // or overloaded, not the request bad.
  const parent = (error as { parent?: { message?: string; code?: string } } | null)?.parent;
  if (name !== 'SequelizeDatabaseError' || !parent) return false;
  return (
    parent.code === '57014' ||
    CONNECTION_LOST_CODES.test(parent.code ?? '') ||
    CONNECTION_LOST_MESSAGES.test(parent.message ?? '')
  );
}

export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof CacheUnavailableError || isDatabaseUnavailable(error)) {
    return new AppError('SERVICE_UNAVAILABLE', { retryAfterSeconds: 5, cause: error });
  }
  // More password hashes waiting than the hasher queues: shed the load, briefly.
  if (error instanceof QueueFullError) {
    return new AppError('SERVICE_UNAVAILABLE', { retryAfterSeconds: 1, cause: error });
  }
  if (error instanceof TRPCError) {
    if (error.cause && !(error.cause instanceof TRPCError)) {
      if (
        error.cause instanceof AppError ||
        error.cause instanceof CacheUnavailableError ||
        error.cause instanceof QueueFullError
      ) {
        return toAppError(error.cause);
      }
      if (hasIssues(error.cause)) {
        return new AppError('VALIDATION_ERROR', {
          fieldErrors: fieldErrorsFromIssues(error.cause.issues),
        });
      }
      if (isDatabaseUnavailable(error.cause)) return toAppError(error.cause);
    }
    const code = APP_CODE_BY_TRPC_CODE[error.code];
    if (code) return new AppError(code, { cause: error });
  }
  return new AppError('INTERNAL_ERROR', { cause: error });
}

export function toTRPCError(error: AppError): TRPCError {
  return new TRPCError({
    code: TRPC_CODE_BY_APP_CODE[error.code],
    message: error.message,
    cause: error,
  });
}

export interface ErrorEnvelope {
  detail: string;
  code: ErrorCode;
  errors?: FieldErrors;
}

export interface WireError {
  status: number;
  body: ErrorEnvelope;
  headers: Record<string, string>;
}

/** The REST response for an error. Internal errors never carry their message, stack or SQL. */
export function toWireError(error: AppError): WireError {
  const status = ERROR_CATALOGUE[error.code].status;
  const detail =
    error.code === 'INTERNAL_ERROR' ? ERROR_CATALOGUE.INTERNAL_ERROR.detail : error.message;
  const body: ErrorEnvelope = { detail, code: error.code };
  if (error.fieldErrors) body.errors = error.fieldErrors;
  const headers: Record<string, string> = {};
  if (status === 401) headers['WWW-Authenticate'] = 'Bearer realm="api"';
  if (error.retryAfterSeconds !== undefined)
    headers['Retry-After'] = String(Math.ceil(error.retryAfterSeconds));
  Object.assign(headers, error.headers);
  return { status, body, headers };
}
