/**
 * The service's HS256 access and refresh tokens, signed and checked by hand: what the floor
 * servers (floor-server.ts, design-floor.ts) cannot avoid doing with a token. The same derived
 * key, issuer, audience and header as server/lib/jwt.ts, so both servers take the service's own
 * tokens. Under an asymmetric JWT_ALGORITHM the floors cannot read them: compare service runs.
 */
import { createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';
import { hmacKid } from '../server/lib/signing-keys/hmac-key.js';

export interface FloorClaims {
  token_type: string;
  user_id: string;
  sid: string;
  jti: string;
  exp: number;
  iss: string;
  aud: string;
}

/** A setting a floor cannot start without. */
export function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`floor: ${name} is required`);
  return value;
}

/** The tokens of the service whose settings are in `env` (SECRET_KEY, JWT_ISSUER, JWT_AUDIENCE). */
export function floorTokens(env: NodeJS.ProcessEnv) {
  const secretKey = required(env, 'SECRET_KEY');
  const issuer = env.JWT_ISSUER ?? 'auth-service';
  const audience = env.JWT_AUDIENCE ?? 'auth-service';
  const key = createSecretKey(Buffer.from(`jwt:${secretKey}`, 'utf8'));
  const header = Buffer.from(
    JSON.stringify({ alg: 'HS256', kid: hmacKid(secretKey), typ: 'JWT' }),
  ).toString('base64url');

  function sign(
    claims: Pick<FloorClaims, 'token_type' | 'user_id' | 'sid' | 'jti'>,
    lifetimeSeconds: number,
  ) {
    const now = Math.floor(Date.now() / 1000);
    const body = { ...claims, iat: now, exp: now + lifetimeSeconds, iss: issuer, aud: audience };
    const payload = Buffer.from(JSON.stringify(body)).toString('base64url');
    const signature = createHmac('sha256', key).update(`${header}.${payload}`).digest('base64url');
    return `${header}.${payload}.${signature}`;
  }

  /** Signature (the header is compared whole, which pins the algorithm), expiry, type, iss, aud. */
  function verify(token: string, type: string): FloorClaims | null {
    const [given, payload, signature] = token.split('.');
    if (given !== header || !payload || !signature) return null;
    const expected = createHmac('sha256', key).update(`${given}.${payload}`).digest();
    const presented = Buffer.from(signature, 'base64url');
    if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) return null;
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as FloorClaims;
    if (claims.token_type !== type || claims.exp <= Date.now() / 1000) return null;
    if (claims.iss !== issuer || claims.aud !== audience) return null;
    return claims;
  }

  return { sign, verify };
}

/** The service's session entry is "<user id> <login time>" (services/session-state-cache.ts). */
export const sessionKey = (prefix: string, sessionId: string) => `${prefix}session:${sessionId}`;
export const entryUserId = (entry: string | null) => entry?.slice(0, entry.indexOf(' ')) ?? null;
