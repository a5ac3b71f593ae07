/** Access and refresh tokens, and how long one login lasts (server/services/session-lifetime.ts). */
import { z } from 'zod';
import { integer } from './parsers.js';

export const tokenVariables = z.object({
  // In minutes and days, as the original service had them.
  JWT_ACCESS_TOKEN_LIFETIME: integer(1, 24 * 60).default(15),
  JWT_REFRESH_TOKEN_LIFETIME: integer(1, 365).default(7),
  JWT_ISSUER: z.string().min(1).default('auth-service'),
  JWT_AUDIENCE: z.string().min(1).default('auth-service'),
  REFRESH_REUSE_GRACE_SECONDS: integer(0, 300).default(10),
  SESSION_MAX_AGE_DAYS: integer(1, 3650).default(30),
  SESSION_IDLE_DAYS: integer(1, 3650).optional(),
  // Signing keys (see docs/tokens.md): the algorithm, and an optional key kept in a vault.
  JWT_ALGORITHM: z.enum(['HS256', 'EdDSA', 'ES256', 'RS256']).default('HS256'),
  JWT_PRIVATE_KEY: z
    .string()
    .transform((value) => value.replace(/\\n/g, '\n').trim())
    .refine(
      (value) => /^-----BEGIN PRIVATE KEY-----[\s\S]+-----END PRIVATE KEY-----$/.test(value),
      { error: 'expected a PKCS#8 PEM private key (-----BEGIN PRIVATE KEY-----)' },
    )
    .optional(),
  // Resource servers allowed to call introspect/, as "id:secret,id2:secret2".
  INTROSPECTION_CLIENTS: z
    .string()
    .transform((value, context) => {
      const clients = value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean)
        .map((item) => {
          const colon = item.indexOf(':');
          return { id: item.slice(0, colon), secret: item.slice(colon + 1) };
        });
      if (clients.some((client) => !client.id || client.secret.length < 16)) {
        context.addIssue({
          code: 'custom',
          message: 'expected "id:secret,..." with every secret at least 16 characters',
        });
        return z.NEVER;
      }
      return clients;
    })
    .optional(),
});

export function tokenSection(environment: z.output<typeof tokenVariables>) {
  // Unset, a session may go as long without a refresh as its refresh token lives; a refresh
  // lifetime beyond the maximum age could never be reached, so the default stops there.
  const idleDays =
    environment.SESSION_IDLE_DAYS ??
    Math.min(environment.JWT_REFRESH_TOKEN_LIFETIME, environment.SESSION_MAX_AGE_DAYS);
  return {
    jwt: {
      accessTokenLifetimeSeconds: environment.JWT_ACCESS_TOKEN_LIFETIME * 60,
      refreshTokenLifetimeSeconds: environment.JWT_REFRESH_TOKEN_LIFETIME * 24 * 3600,
      issuer: environment.JWT_ISSUER,
      audience: environment.JWT_AUDIENCE,
      refreshReuseGraceSeconds: environment.REFRESH_REUSE_GRACE_SECONDS,
      algorithm: environment.JWT_ALGORITHM,
      /** JWT_PRIVATE_KEY: a PKCS#8 PEM to sign with instead of a generated key. */
      privateKeyPem: environment.JWT_PRIVATE_KEY ?? null,
    },
    /** INTROSPECTION_CLIENTS: who may call introspect/ (HTTP Basic). */
    introspectionClients: environment.INTROSPECTION_CLIENTS ?? [],
    sessions: {
      /** From the login, however often the session refreshes. */
      maxAgeSeconds: environment.SESSION_MAX_AGE_DAYS * 24 * 3600,
      /** Without a refresh; never more than maxAgeSeconds. */
      idleSeconds: idleDays * 24 * 3600,
    },
  };
}
