import type { IncomingMessage } from 'node:http';
import { bodyParser } from '@koa/bodyparser';
import type { Context, Next } from 'koa';
import { AppError } from '../errors.js';

const METHODS_WITH_BODY = ['POST', 'PUT', 'PATCH', 'DELETE'];

/** Whether the request carries a body, by its headers (the body itself is not read). */
export function hasBody({ headers }: IncomingMessage): boolean {
  const length = headers['content-length'];
  return headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * JSON request bodies for the REST bridge: any `charset` parameter, a size limit (413), 400 on
 * malformed JSON (raised by the parser, rendered by the error boundary), 415 on other types.
 */
export function jsonBody(limitBytes: number) {
  const parse = bodyParser({
    enableTypes: ['json'],
    jsonLimit: limitBytes,
    parsedMethods: METHODS_WITH_BODY,
    extendTypes: { json: ['application/json', 'application/*+json'] },
  });
  return async (ctx: Context, next: Next) => {
    if (METHODS_WITH_BODY.includes(ctx.method) && hasBody(ctx.req) && !ctx.is('json', '+json')) {
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', {
        detail: `Unsupported media type "${ctx.get('Content-Type') || 'none'}"; send application/json.`,
      });
    }
    return parse(ctx, next);
  };
}
