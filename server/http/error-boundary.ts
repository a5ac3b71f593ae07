import type { Context, Next } from 'koa';
import { AppError, type ErrorCode } from '../errors.js';
import type { Logger } from '../lib/logger.js';
import { QueueFullError } from '../lib/semaphore.js';
import { toAppError, toWireError } from '../trpc/error-mapping.js';

const CODE_BY_HTTP_STATUS: Record<number, ErrorCode> = {
  400: 'VALIDATION_ERROR',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
};

/** Errors from Koa's own layers (body parsing, routing) carry a status and an `expose` flag. */
function fromHttpError(error: unknown): AppError | null {
  const status = (error as { status?: number; expose?: boolean } | null)?.status;
  const code = status ? CODE_BY_HTTP_STATUS[status] : undefined;
  if (!code) return null;
  if (status === 400) {
    // Malformed JSON: say so, without echoing the body back.
    return new AppError('VALIDATION_ERROR', {
      detail: 'JSON parse error: the request body is not valid JSON.',
      fieldErrors: { non_field_errors: ['JSON parse error: the request body is not valid JSON.'] },
    });
  }
  return new AppError(code);
}

/**
 * A 5xx is logged with its cause and the request id; the client gets only the envelope.
 * Load shedding (a full hash queue) is not logged per request: the hasher reports it.
 */
export function logServerError(
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
      if (ctx.body === undefined && ctx.respond !== false) {
        // The router's allowedMethods left an Allow header: 405, or 501 for an unknown method.
        const allowed = ctx.response.get('Allow') !== '';
        if (ctx.status === 405 || (ctx.status === 501 && allowed)) {
          throw new AppError('METHOD_NOT_ALLOWED');
        }
        if (ctx.status === 404 || ctx.status === 501) throw new AppError('NOT_FOUND');
      }
    } catch (error) {
      const appError =
        error instanceof AppError ? error : (fromHttpError(error) ?? toAppError(error));
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
