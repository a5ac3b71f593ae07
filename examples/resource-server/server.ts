/**
 * A resource server (an orders API, say) that trusts auth-service's access tokens without
 * holding SECRET_KEY: it verifies them with the published keys (`/.well-known/jwks.json`, via
 * jose's createRemoteJWKSet, which caches the set and fetches it again when a token names a kid
 * it has not seen, so a key rotation needs nothing here). With introspection credentials it also
 * asks auth-service whether the token is still live, so a logout is honoured at once.
 *
 *   AUTH_URL=http://localhost:8000 PORT=4000 npx tsx examples/resource-server/server.ts
 *
 * Environment: AUTH_URL (required), PORT (default 4000), JWT_ISSUER and JWT_AUDIENCE (default
 * auth-service, as the auth service's own), INTROSPECTION_CLIENT_ID and
 * INTROSPECTION_CLIENT_SECRET (optional; one pair of the auth service's INTROSPECTION_CLIENTS).
 */
import { createServer, type ServerResponse } from 'node:http';
import { createRemoteJWKSet, jwtVerify } from 'jose';

const env = process.env;
const authUrl = (env.AUTH_URL ?? '').replace(/\/+$/, '');
if (!authUrl) throw new Error('AUTH_URL is required');
const issuer = env.JWT_ISSUER ?? 'auth-service';
const audience = env.JWT_AUDIENCE ?? 'auth-service';
const introspectionClient =
  env.INTROSPECTION_CLIENT_ID && env.INTROSPECTION_CLIENT_SECRET
    ? `Basic ${Buffer.from(`${env.INTROSPECTION_CLIENT_ID}:${env.INTROSPECTION_CLIENT_SECRET}`).toString('base64')}`
    : null;

const keys = createRemoteJWKSet(new URL(`${authUrl}/.well-known/jwks.json`));

/** The token's claims when it is a valid, live access token of auth-service; else null. */
async function authenticate(authorization: string | undefined) {
  const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  if (!token) return null;
  try {
    // Only asymmetric algorithms: an HS256 token can never verify against a public key here.
    const { payload, protectedHeader } = await jwtVerify(token, keys, {
      issuer,
      audience,
      algorithms: ['EdDSA', 'ES256', 'RS256'],
    });
    if (payload.token_type !== 'access') return null;
    if (introspectionClient && !(await isLive(token))) return null;
    return { userId: payload.user_id as string, kid: protectedHeader.kid };
  } catch {
    return null;
  }
}

async function isLive(token: string): Promise<boolean> {
  const response = await fetch(`${authUrl}/api/auth/introspect/`, {
    method: 'POST',
    headers: { Authorization: introspectionClient!, 'Content-Type': 'application/json' },
    body: JSON.stringify({ token }),
    signal: AbortSignal.timeout(3000),
  });
  if (!response.ok) throw new Error(`introspection answered ${response.status}`);
  return ((await response.json()) as { active?: boolean }).active === true;
}

const send = (response: ServerResponse, status: number, body: object) => {
  response.writeHead(status, { 'Content-Type': 'application/json' });
  response.end(JSON.stringify(body));
};

const server = createServer((request, response) => {
  if (request.method !== 'GET' || request.url !== '/orders') {
    send(response, 404, { detail: 'Not found.' });
    return;
  }
  // Fails closed: a token that cannot be checked now (introspection down) is refused too.
  void authenticate(request.headers.authorization).then((viewer) =>
    viewer
      ? send(response, 200, { user_id: viewer.userId, kid: viewer.kid, orders: [] })
      : send(response, 401, { detail: 'Token is invalid or expired.' }),
  );
});

server.listen(Number(env.PORT ?? 4000), env.HOST ?? '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : env.PORT;
  console.log(`resource server listening on ${port}`);
});
