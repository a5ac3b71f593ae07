import { bodyParser } from '@koa/bodyparser';
import type { Context, Next } from 'koa';
import { AppError } from '../errors.js';

const METHODS_WITH_BODY = ['POST', 'PUT', 'PATCH', 'DELETE'];

function hasBody(ctx: Context): boolean {
  const length = ctx.get('Content-Length');
  return ctx.get('Transfer-Encoding') !== '' || (length !== '' && length !== '0');
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
    if (METHODS_WITH_BODY.includes(ctx.method) && hasBody(ctx) && !ctx.is('json', '+json')) {
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', {
        detail: `Unsupported media type "${ctx.get('Content-Type') || 'none'}"; send application/json.`,
      });
    }
    return parse(ctx, next);
  };
}
