/**
 * What other services read to verify tokens by themselves: the public keys
 * (`/.well-known/jwks.json`) and the RFC 8414 metadata that points at them and at introspection.
 * Both come from memory (the key ring serialises the JWKS once per key change): no database
 * read per request, so a fleet of resource servers polling them costs nothing.
 */
import type { Context } from 'koa';
import type { KeyRing } from '../lib/signing-keys/key-ring.js';
import type { RouteHandler } from './route-table.js';

/**
 * How long a verifier may cache the JWKS. A retired or expired key leaves it within this; a new
 * key is in it at once, and verifiers fetch again when a token names a kid they do not hold
 * (jose's createRemoteJWKSet does), so the cache never refuses a fresh token for long.
 */
export const JWKS_MAX_AGE_SECONDS = 300;

export const INTROSPECTION_PATH = '/api/auth/introspect/';

export function wellKnownRoutes(keys: KeyRing, issuer: string): Record<string, RouteHandler> {
  return {
    '/.well-known/jwks.json': (ctx: Context) => {
      ctx.set('Cache-Control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`);
      ctx.type = 'application/json';
      ctx.body = keys.jwks();
    },
    '/.well-known/oauth-authorization-server': (ctx: Context) => {
      // Absolute URLs on the host the client used (ALLOWED_HOSTS has vetted it at the edge).
      const base = `${ctx.protocol}://${ctx.host}`;
      ctx.set('Cache-Control', `public, max-age=${JWKS_MAX_AGE_SECONDS}`);
      ctx.body = {
        issuer,
        jwks_uri: `${base}/.well-known/jwks.json`,
        introspection_endpoint: `${base}${INTROSPECTION_PATH}`,
        introspection_endpoint_auth_methods_supported: ['client_secret_basic'],
        token_endpoint_auth_methods_supported: ['none'],
      };
    },
  };
}
