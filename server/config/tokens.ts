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
    },
    sessions: {
      /** From the login, however often the session refreshes. */
      maxAgeSeconds: environment.SESSION_MAX_AGE_DAYS * 24 * 3600,
      /** Without a refresh; never more than maxAgeSeconds. */
      idleSeconds: idleDays * 24 * 3600,
    },
  };
}
