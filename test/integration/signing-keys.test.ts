/**
 * Tokens other services verify: asymmetric keys stored encrypted, a kid in every header, the
 * JWKS, rotation with a grace period, retirement, and the refusals (unknown kid, alg confusion).
 */
import { generateKeyPairSync } from 'node:crypto';
import { expect } from 'chai';
import {
  createLocalJWKSet,
  decodeProtectedHeader,
  exportPKCS8,
  generateKeyPair,
  jwtVerify,
  SignJWT,
  type JSONWebKeySet,
} from 'jose';
import { QueryTypes } from 'sequelize';
import { bearer, createTestApp, type TestApp } from '../helpers/app.js';
import { ManualClock } from '../helpers/clock.js';
import { registerUser } from '../helpers/factories.js';
import { decodeClaims } from '../helpers/inspect.js';

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('signing keys and the JWKS', () => {
  let clock: ManualClock;
  beforeEach(() => {
    clock = new ManualClock();
  });

  const app = (env: Record<string, string> = {}) =>
    createTestApp({ env: { JWT_ALGORITHM: 'EdDSA', ...env }, overrides: { clock } });
  const profile = (testApp: TestApp, access: string) =>
    testApp.http().get('/api/auth/profile/').set(bearer(access));
  async function expectRefused(testApp: TestApp, access: string) {
    const response = await profile(testApp, access);
    expect(response.status).to.equal(401);
    expect(response.body.code).to.equal('TOKEN_INVALID');
  }
  const jwks = async (testApp: TestApp) =>
    (await testApp.http().get('/.well-known/jwks.json')).body as JSONWebKeySet;

  for (const algorithm of ['EdDSA', 'ES256', 'RS256'] as const) {
    it(`${algorithm}: tokens carry the kid of a published key, and jose verifies them with the JWKS`, async () => {
      const testApp = await app({ JWT_ALGORITHM: algorithm });
      const user = await registerUser(testApp);
      const header = decodeProtectedHeader(user.access);
      expect(header.alg).to.equal(algorithm);
      const response = await testApp.http().get('/.well-known/jwks.json');
      expect(response.status).to.equal(200);
      expect(response.headers['cache-control']).to.match(/^public, max-age=\d+$/);
      const set = response.body as JSONWebKeySet;
      expect(set.keys.map((key) => key.kid)).to.deep.equal([header.kid]);
      for (const key of set.keys) {
        expect(key).to.include({ alg: algorithm, use: 'sig' });
        expect(key).to.not.have.any.keys('d', 'p', 'q', 'dp', 'dq', 'qi');
      }
      const { payload } = await jwtVerify(user.access, createLocalJWKSet(set), {
        issuer: 'auth-service',
        audience: 'auth-service',
        currentDate: clock.now(),
      });
      expect(payload.user_id).to.equal(user.id);
      expect((await profile(testApp, user.access)).status).to.equal(200);
    });
  }

  it('HS256 (the default) publishes an empty JWKS and still names its key', async () => {
    const testApp = await createTestApp({ overrides: { clock } });
    expect(await jwks(testApp)).to.deep.equal({ keys: [] });
    const user = await registerUser(testApp);
    expect(decodeProtectedHeader(user.access)).to.include({ alg: 'HS256' });
    expect(decodeProtectedHeader(user.access).kid).to.be.a('string');
  });

  it('stores the private key encrypted, never as plaintext', async () => {
    const testApp = await app();
    const [row] = (await testApp.deps.database.sequelize.query(
      'SELECT private_key, encryption FROM signing_keys',
      { type: QueryTypes.SELECT },
    )) as Array<{ private_key: Buffer; encryption: Record<string, string> }>;
    expect(row).to.not.equal(undefined);
    expect(row!.private_key.toString('latin1')).to.not.include('PRIVATE KEY');
    expect(row!.encryption).to.include({ cipher: 'aes-256-gcm', kdf: 'hkdf-sha256' });
    // The same key loaded again from the table signs tokens the first app accepts.
    const again = await app();
    const user = await registerUser(again);
    expect((await profile(testApp, user.access)).status).to.equal(200);
  });

  it('refuses to start with a SECRET_KEY that cannot decrypt the stored key', async () => {
    await app();
    const failure = await app({
      SECRET_KEY: 'another-secret-key-0123456789-abcdefghijklmnopq',
    }).then(
      () => null,
      (error: Error) => error,
    );
    expect(failure?.message).to.match(/signing key .* does not decrypt with this SECRET_KEY/);
  });

  it('two instances starting at once on an empty table end with one key', async () => {
    const [first, second] = await Promise.all([app(), app()]);
    const rows = await first.deps.database.sequelize.query<{ count: number }>(
      'SELECT count(*)::int AS count FROM signing_keys',
      { type: QueryTypes.SELECT },
    );
    expect(rows).to.deep.equal([{ count: 1 }]);
    const user = await registerUser(first);
    expect((await profile(second, user.access)).status).to.equal(200);
  });

  describe('refusals', () => {
    let testApp: TestApp;
    let access: string;
    beforeEach(async () => {
      testApp = await app();
      access = (await registerUser(testApp)).access;
    });
    const claims = () => decodeClaims(access);

    it('refuses a token signed by a key it does not know', async () => {
      const stranger = await generateKeyPair('EdDSA');
      const forged = await new SignJWT(claims())
        .setProtectedHeader({ alg: 'EdDSA', kid: 'not-a-known-key' })
        .sign(stranger.privateKey);
      await expectRefused(testApp, forged);
      // A forger naming the real kid fails the signature check instead.
      const withRealKid = await new SignJWT(claims())
        .setProtectedHeader({ alg: 'EdDSA', kid: decodeProtectedHeader(access).kid! })
        .sign(stranger.privateKey);
      await expectRefused(testApp, withRealKid);
    });

    it('refuses alg "none", and an alg other than its key\'s', async () => {
      const kid = decodeProtectedHeader(access).kid!;
      await expectRefused(testApp, `${base64url({ alg: 'none', kid })}.${base64url(claims())}.`);
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const es256 = await new SignJWT(claims())
        .setProtectedHeader({ alg: 'ES256', kid })
        .sign(privateKey);
      await expectRefused(testApp, es256);
    });

    it('refuses an HS256 token "signed" with the published public key (key confusion)', async () => {
      const [jwk] = (await jwks(testApp)).keys;
      const kid = jwk!.kid!;
      for (const secret of [JSON.stringify(jwk), jwk!.x!]) {
        const confused = await new SignJWT(claims())
          .setProtectedHeader({ alg: 'HS256', kid })
          .sign(Buffer.from(secret));
        await expectRefused(testApp, confused);
      }
      // An RS256 public key in PEM as an HMAC secret, with no kid, fares no better.
      const rsa = await app({ JWT_ALGORITHM: 'RS256' });
      const rsaAccess = (await registerUser(rsa)).access;
      const [rsaJwk] = (await jwks(rsa)).keys;
      const pem = Buffer.from(JSON.stringify(rsaJwk));
      const noKid = await new SignJWT(decodeClaims(rsaAccess))
        .setProtectedHeader({ alg: 'HS256' })
        .sign(pem);
      await expectRefused(rsa, noKid);
    });
  });

  describe('rotation', () => {
    it('new tokens carry the new kid; old ones verify through the grace period, then are refused', async () => {
      const testApp = await app({ JWT_REFRESH_TOKEN_LIFETIME: '1' });
      const other = await app({ JWT_REFRESH_TOKEN_LIFETIME: '1' });
      const before = await registerUser(testApp);
      const oldKid = decodeProtectedHeader(before.access).kid;

      const { kid, previousKid } = await testApp.deps.services.signingKeys.rotate();
      expect(previousKid).to.equal(oldKid);
      // Published at once, on this instance and (by its next reload) on every other one...
      expect((await jwks(testApp)).keys.map((key) => key.kid)).to.have.members([kid, oldKid]);
      // ...but signing only once every instance has had time to publish it.
      expect(decodeProtectedHeader((await registerUser(testApp)).access).kid).to.equal(oldKid);
      expect(
        (await testApp.deps.services.signingKeys.list()).map((key) => key.status),
      ).to.deep.equal(['next', 'signing']);
      clock.advanceSeconds(61);
      await testApp.deps.keyRing.reload();
      const after = await registerUser(testApp);
      expect(decodeProtectedHeader(after.access).kid).to.equal(kid);
      // The other instance verifies the new kid at once (an unknown kid reloads), and old tokens.
      expect((await profile(other, after.access)).status).to.equal(200);
      expect((await profile(other, before.access)).status).to.equal(200);
      expect(decodeProtectedHeader((await registerUser(other)).access).kid).to.equal(kid);

      // The old refresh token still refreshes (no one is logged out by a rotation).
      const refreshed = await testApp
        .http()
        .post('/api/auth/refresh/')
        .send({ refresh: before.refresh });
      expect(refreshed.status).to.equal(200);
      expect(decodeProtectedHeader(refreshed.body.access as string).kid).to.equal(kid);

      // Past the longest token lifetime, the old key leaves the JWKS and its tokens are refused.
      clock.advanceSeconds(24 * 3600 + 30);
      await testApp.deps.keyRing.reload();
      expect((await jwks(testApp)).keys.map((key) => key.kid)).to.deep.equal([kid]);
      expect(await testApp.deps.keyRing.find(oldKid!)).to.equal(undefined);
      await expectRefused(testApp, before.access);
      const listed = await testApp.deps.services.signingKeys.list();
      expect(listed.find((key) => key.kid === oldKid)?.status).to.equal('expired');
    });

    it('retiring a key refuses its tokens; with live refresh tokens it needs force', async () => {
      const testApp = await app();
      const user = await registerUser(testApp);
      const oldKid = decodeProtectedHeader(user.access).kid!;
      const keys = testApp.deps.services.signingKeys;
      const signing = await keys.retire(oldKid, false).catch((error: Error) => error);
      expect((signing as Error).message).to.match(/is the signing key/);
      await keys.rotate();
      clock.advanceSeconds(61);
      const refusal = await keys.retire(oldKid, false).catch((error: Error) => error);
      expect((refusal as Error).message).to.match(/live refresh token.*--force/);
      expect((await profile(testApp, user.access)).status).to.equal(200);
      expect(await keys.retire(oldKid, true)).to.deep.equal({ liveRefreshTokens: 1 });
      await expectRefused(testApp, user.access);
      const refreshed = await testApp
        .http()
        .post('/api/auth/refresh/')
        .send({ refresh: user.refresh });
      expect(refreshed.status).to.equal(401);
      expect((await jwks(testApp)).keys.map((key) => key.kid)).to.not.include(oldKid);
    });

    it('imports JWT_PRIVATE_KEY and signs with it, and keeps verifying after a restart', async () => {
      const { privateKey } = await generateKeyPair('ES256', { extractable: true });
      const pem = await exportPKCS8(privateKey);
      const first = await app({ JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY: pem });
      const user = await registerUser(first);
      const restarted = await app({ JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY: pem });
      expect((await profile(restarted, user.access)).status).to.equal(200);
      const [jwk] = (await jwks(restarted)).keys;
      expect(jwk!.kid).to.equal(decodeProtectedHeader(user.access).kid);
      const refusal = await restarted.deps.services.signingKeys.rotate().catch((e: Error) => e);
      expect((refusal as Error).message).to.match(/JWT_PRIVATE_KEY is set/);
    });
  });
});
