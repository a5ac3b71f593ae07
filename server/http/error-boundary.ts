import type { Context, Next } from 'koa';
import { AppError, type ErrorCode } from '../errors.js';
import type { Logger } from '../lib/logger.js';
import { QueueFullError } from '../lib/semaphore.js';
import { BodyError } from './request-body.js';
import { toAppError, toWireError } from '../trpc/error-mapping.js';

const CODE_BY_BODY_STATUS: Record<BodyError['status'], ErrorCode> = {
  400: 'VALIDATION_ERROR',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
};

/** A body that could not be read; a malformed one is said so without echoing it back. */
function fromBodyError(error: BodyError): AppError {
  const code = CODE_BY_BODY_STATUS[error.status];
  return new AppError(code, {
    detail: error.message,
    ...(code === 'VALIDATION_ERROR' ? { fieldErrors: { non_field_errors: [error.message] } } : {}),
  });
}

/**
 * A 5xx is logged with its cause and the request id; the client gets only the envelope.
 * Load shedding (a full hash queue) is not logged per request: the hasher reports it.
 */
function logServerError(
  logger: Logger,
  error: AppError,
  requestId: string | undefined,
  path: string,
): void {
  if (error.cause instanceof QueueFullError) return;
  logger.error({ err: error.cause ?? error, requestId, path }, 'request failed');
}

/** Every error leaves as the contract's envelope; 5xx are logged with the request id, never sent. */
export function errorBoundary(logger: Logger) {
  return async (ctx: Context, next: Next) => {
    try {
      await next();
    } catch (error) {
      const appError = error instanceof BodyError ? fromBodyError(error) : toAppError(error);
      const wire = toWireError(appError);
      if (wire.status >= 500) {
        logServerError(logger, appError, ctx.state.request?.requestId, ctx.path);
      }
      ctx.status = wire.status;
      ctx.set(wire.headers);
      ctx.body = wire.body;
    }
  };
}
