/**
 * The resource-server example (examples/resource-server/) against the real service, both as
 * processes: it verifies tokens with the published keys alone, keeps accepting old tokens across a
 * rotation, refuses forgeries, and sees a logout at once through introspection.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { decodeProtectedHeader, generateKeyPair, SignJWT } from 'jose';
import { createTestApp } from '../helpers/app.js';
import { decodeClaims } from '../helpers/inspect.js';
import {
  freePort,
  startChild,
  startService,
  tsxArgs,
  type ChildHandle,
  type RunningService,
} from '../helpers/spawn-service.js';
import { STRONG_PASSWORD, uniqueEmail } from '../helpers/factories.js';
import { testEnvironment } from '../setup.js';

const CLIENT = { id: 'orders', secret: randomBytes(24).toString('base64url') };
const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('a resource server verifying tokens with the JWKS', function () {
  this.timeout(90_000);
  let service: RunningService | undefined;
  let resource: ChildHandle | undefined;
  let resourceUrl: string;
  const secretKey = randomBytes(48).toString('base64url');

  // Started in the test itself: the root hook empties the tables (the service's key too) before it.
  async function startAuthService(this: Mocha.Context) {
    const environment = testEnvironment();
    if (!environment.redisUrl) this.skip();
    service = await startService({
      NODE_ENV: 'test',
      SECRET_KEY: secretKey,
      DATABASE_URL: environment.databaseUrl,
      REDIS_URL: environment.redisUrl!,
      REDIS_KEY_PREFIX: environment.redisKeyPrefix,
      MIGRATE_ON_START: 'false',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_ENABLED: 'false',
      SCRYPT_LOG_N: '10',
      JWT_ALGORITHM: 'EdDSA',
      INTROSPECTION_CLIENTS: `${CLIENT.id}:${CLIENT.secret}`,
    });
  }

  async function startResourceServer() {
    const port = await freePort();
    resource = startChild(tsxArgs('examples/resource-server/server.ts'), {
      AUTH_URL: service!.baseUrl,
      PORT: String(port),
      INTROSPECTION_CLIENT_ID: CLIENT.id,
      INTROSPECTION_CLIENT_SECRET: CLIENT.secret,
    });
    await resource.waitForStdout(/listening/, 30_000);
    resourceUrl = `http://127.0.0.1:${port}`;
  }
  after(async () => {
    await resource?.kill();
    await service?.kill();
  });

  const orders = (access: string) =>
    fetch(`${resourceUrl}/orders`, { headers: { Authorization: `Bearer ${access}` } });
  async function register() {
    const password = STRONG_PASSWORD;
    const response = await fetch(`${service!.baseUrl}/api/auth/register/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        email: uniqueEmail(),
        full_name: 'Ada Lovelace',
        password,
        password_confirm: password,
      }),
    });
    expect(response.status).to.equal(201);
    return ((await response.json()) as { tokens: { access: string; refresh: string } }).tokens;
  }

  it('accepts tokens across a rotation, refuses forgeries, and honours a logout at once', async function () {
    await startAuthService.call(this);
    const before = await register();
    const oldKid = decodeProtectedHeader(before.access).kid;

    // Rotate as another instance would (same database), its activation delay moved into the past.
    const other = await createTestApp({ env: { JWT_ALGORITHM: 'EdDSA', SECRET_KEY: secretKey } });
    const { kid } = await other.deps.services.signingKeys.rotate();
    await other.deps.database.sequelize.query(
      "UPDATE signing_keys SET activated_at = activated_at - interval '2 minutes', superseded_at = superseded_at - interval '2 minutes'",
    );
    await other.deps.keyRing.reload();
    const refreshed = await other
      .http()
      .post('/api/auth/refresh/')
      .send({ refresh: before.refresh });
    expect(refreshed.status, JSON.stringify(refreshed.body)).to.equal(200);
    const fresh = refreshed.body as { access: string };
    expect(decodeProtectedHeader(fresh.access).kid).to.equal(kid);
    // The service verifies the new kid at once (an unknown kid reloads its keys), and so
    // publishes it; a resource server starting now (or refetching) gets both keys.
    const profile = await fetch(`${service!.baseUrl}/api/auth/profile/`, {
      headers: { Authorization: `Bearer ${fresh.access}` },
    });
    expect(profile.status).to.equal(200);
    await startResourceServer();
    const accepted = await orders(before.access);
    expect(accepted.status).to.equal(200);
    expect(((await accepted.json()) as { kid: string }).kid).to.equal(oldKid);
    expect((await orders(fresh.access)).status).to.equal(200);
    expect((await orders(before.access)).status).to.equal(200);

    // Forgeries: another key under a real kid, alg none, HS256 "signed" with the public key.
    const claims = decodeClaims(fresh.access);
    const stranger = await generateKeyPair('EdDSA');
    const forgedKey = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'EdDSA', kid })
      .sign(stranger.privateKey);
    const none = `${base64url({ alg: 'none', kid })}.${base64url(claims)}.`;
    const jwks = (await (await fetch(`${service!.baseUrl}/.well-known/jwks.json`)).json()) as {
      keys: object[];
    };
    const confused = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', kid })
      .sign(Buffer.from(JSON.stringify(jwks.keys[0])));
    for (const forged of [forgedKey, none, confused])
      expect((await orders(forged)).status).to.equal(401);

    // A logout: the signature still verifies, introspection says no at once.
    const logout = await fetch(`${service!.baseUrl}/api/auth/logout/`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${fresh.access}`, 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(logout.status).to.equal(200);
    expect((await orders(fresh.access)).status).to.equal(401);
  });
});
