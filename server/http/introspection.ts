/**
 * `POST /api/auth/introspect/` (RFC 7662), for resource servers that must honour a logout at
 * once: a client from INTROSPECTION_CLIENTS authenticates with HTTP Basic and sends `token` as
 * JSON or form fields. A live access token gets its claims; anything else (expired, revoked,
 * forged, a refresh token, garbage) gets `{"active": false}`, never an error, so the answer
 * tells a caller nothing about why. The check is the hot path's own: one Redis round trip.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import coBody from 'co-body';
import type { Context } from 'koa';
import { z } from 'zod';
import { AppError } from '../errors.js';
import type { SessionService } from '../services/session-service.js';
import { BodyError, readJsonBody } from './request-body.js';
import type { RouteHandler } from './route-table.js';

const BASIC = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i;
const bodySchema = z.object({
  token: z.string().min(1).max(16_384),
  token_type_hint: z.string().max(64).optional(),
});

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

/** RFC 6749 2.3.1: id and secret are form-urlencoded before they are joined. */
function credentials(header: string | undefined): { id: string; secret: string } | null {
  const match = header ? BASIC.exec(header) : null;
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  try {
    return {
      id: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')),
      secret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')),
    };
  } catch {
    return null;
  }
}

export function introspectionHandler(options: {
  clients: ReadonlyArray<{ id: string; secret: string }>;
  sessions: SessionService;
  issuer: string;
  audience: string;
  bodyLimitBytes: number;
}): RouteHandler {
  // Digests of equal length, compared in constant time, for every client on every call.
  const known = options.clients.map((client) => ({
    id: digest(client.id),
    secret: digest(client.secret),
  }));
  const authenticated = (given: { id: string; secret: string } | null) => {
    const id = digest(given?.id ?? '');
    const secret = digest(given?.secret ?? '');
    let match = false;
    for (const client of known)
      match = (timingSafeEqual(client.id, id) && timingSafeEqual(client.secret, secret)) || match;
    return given !== null && match;
  };

  return async (ctx: Context) => {
    const given = credentials(ctx.get('Authorization') || undefined);
    if (!authenticated(given)) {
      throw new AppError(given ? 'AUTHENTICATION_FAILED' : 'NOT_AUTHENTICATED', {
        detail: given
          ? 'Invalid introspection client credentials.'
          : 'Introspection requires HTTP Basic client credentials.',
        headers: { 'WWW-Authenticate': 'Basic realm="introspection"' },
      });
    }
    const raw: unknown = ctx.is('urlencoded')
      ? await coBody.form(ctx.req, { limit: options.bodyLimitBytes }).catch((error: unknown) => {
          const tooLarge = (error as { status?: number }).status === 413;
          throw new BodyError(
            tooLarge ? 413 : 400,
            tooLarge ? 'Request body is too large.' : 'Malformed form body.',
          );
        })
      : await readJsonBody(ctx, options.bodyLimitBytes, { requireType: true });
    const body = bodySchema.safeParse(raw ?? {});
    if (!body.success) {
      throw new AppError('VALIDATION_ERROR', {
        detail: 'Send the token to introspect as "token".',
        fieldErrors: { token: ['This field is required.'] },
      });
    }
    const claims = await options.sessions.introspect(body.data.token);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = claims
      ? {
          active: true,
          sub: claims.user_id,
          sid: claims.sid,
          jti: claims.jti,
          token_type: claims.token_type,
          exp: claims.exp,
          iat: claims.iat,
          iss: options.issuer,
          aud: options.audience,
        }
      : { active: false };
  };
}
