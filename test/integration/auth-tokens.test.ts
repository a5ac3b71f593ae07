import { createSecretKey } from 'node:crypto';
import { expect } from 'chai';
import jwt from 'jsonwebtoken';
import { bearer, createTestApp, TEST_SECRET_KEY, type TestApp } from '../helpers/app.js';
import { ManualClock } from '../helpers/clock.js';
import { login, registerUser, type RegisteredUser } from '../helpers/factories.js';
import {
  appErrorOf,
  decodeClaims,
  hasRedis,
  TEST_KEY_PREFIX,
  withRawRedis,
} from '../helpers/inspect.js';

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** The key the service signs with (see JwtCodec: derived from SECRET_KEY). */
const serviceKey = createSecretKey(Buffer.from(`jwt:${TEST_SECRET_KEY}`, 'utf8'));

describe('access and refresh tokens', () => {
  let clock: ManualClock;
  let testApp: TestApp;
  let user: RegisteredUser;
  beforeEach(async () => {
    clock = new ManualClock();
    testApp = await createTestApp({ overrides: { clock } });
    user = await registerUser(testApp);
  });

  const profile = (access: string, app: TestApp = testApp) =>
    app.http().get('/api/auth/profile/').set(bearer(access));

  async function expectRefused(access: string) {
    const response = await profile(access);
    expect(response.status).to.equal(401);
    expect(response.body.code).to.equal('TOKEN_INVALID');
    expect(response.headers['www-authenticate']).to.match(/^Bearer\b/);
  }

  it('carry token_type, jti, user_id, sid, iat, exp, iss and aud', async () => {
    const access = decodeClaims(user.access);
    const refresh = decodeClaims(user.refresh);
    for (const claims of [access, refresh]) {
      expect(claims).to.have.keys(
        'token_type',
        'jti',
        'user_id',
        'sid',
        'iat',
        'exp',
        'iss',
        'aud',
      );
      expect(claims).to.include({ user_id: user.id, iss: 'auth-service', aud: 'auth-service' });
    }
    expect(access.token_type).to.equal('access');
    expect(refresh.token_type).to.equal('refresh');
    expect(access.sid).to.equal(refresh.sid);
    expect(access.jti).to.not.equal(refresh.jti);
    expect((access.exp as number) - (access.iat as number)).to.equal(15 * 60);
    expect((refresh.exp as number) - (refresh.iat as number)).to.equal(7 * 24 * 3600);
    const header = JSON.parse(Buffer.from(user.access.split('.')[0]!, 'base64url').toString());
    expect(header).to.have.keys('alg', 'typ', 'kid');
    expect(header).to.include({ alg: 'HS256', typ: 'JWT' });
    expect(header.kid).to.match(/^hs256-/);
    expect((await profile(user.access)).status).to.equal(200);
  });

  it('refuses a token with algorithm "none"', async () => {
    const unsigned = `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(decodeClaims(user.access))}.`;
    await expectRefused(unsigned);
  });

  it('refuses a token signed with another HMAC algorithm, even with the right key', async () => {
    const claims = decodeClaims(user.access);
    await expectRefused(jwt.sign(claims, serviceKey, { algorithm: 'HS512' }));
    // The control: the same claims signed as the service signs them pass.
    expect((await profile(jwt.sign(claims, serviceKey, { algorithm: 'HS256' }))).status).to.equal(
      200,
    );
  });

  it('refuses a tampered signature and a tampered payload', async () => {
    const [header, payload, signature] = user.access.split('.') as [string, string, string];
    const flipped = signature.startsWith('A') ? `B${signature.slice(1)}` : `A${signature.slice(1)}`;
    await expectRefused(`${header}.${payload}.${flipped}`);

    const stranger = await registerUser(testApp);
    const forged = base64url({ ...decodeClaims(user.access), user_id: stranger.id });
    await expectRefused(`${header}.${forged}.${signature}`);
  });

  it('refuses a token signed with another secret, issuer or audience', async () => {
    const claims = decodeClaims(user.access);
    const otherKey = createSecretKey(Buffer.from('jwt:another-secret-entirely-0123456789', 'utf8'));
    await expectRefused(jwt.sign(claims, otherKey, { algorithm: 'HS256' }));
    await expectRefused(jwt.sign({ ...claims, iss: 'someone-else' }, serviceKey));
    await expectRefused(jwt.sign({ ...claims, aud: 'another-service' }, serviceKey));
  });

  it('refuses a refresh token used as a Bearer access token', async () => {
    await expectRefused(user.refresh);
  });

  it('refuses an access token once it has expired', async () => {
    clock.advanceSeconds(15 * 60 - 5);
    expect((await profile(user.access)).status).to.equal(200);
    clock.advanceSeconds(10);
    await expectRefused(user.access);
    const overTrpc = await appErrorOf(
      testApp.caller({ authorization: `Bearer ${user.access}` }).profile.get(),
    );
    expect(overTrpc.code).to.equal('TOKEN_INVALID');
  });

  it('keeps a revoked token refused after the Redis database is flushed', async function () {
    if (!hasRedis()) this.skip();
    const other = await login(testApp, user.email, user.password);
    expect(
      (await testApp.http().post('/api/auth/logout/').set(bearer(user.access))).status,
    ).to.equal(200);
    const keysBefore = await withRawRedis((redis) => redis.keys(`${TEST_KEY_PREFIX}*`));
    expect(keysBefore).to.include(`${TEST_KEY_PREFIX}session:${decodeClaims(user.access).sid}`);

    // Everything this run keeps in Redis is gone, as after a FLUSHDB (other runs share the database).
    await withRawRedis(async (redis) => {
      const keys = await redis.keys(`${TEST_KEY_PREFIX}*`);
      if (keys.length) await redis.unlink(keys);
    });
    expect(await withRawRedis((redis) => redis.keys(`${TEST_KEY_PREFIX}*`))).to.deep.equal([]);
    await expectRefused(user.access);
    // The live session of the same user still works: the cache is rebuilt from PostgreSQL.
    expect((await profile(other.access)).status).to.equal(200);
  });

  it('keeps a revoked token refused by a rebuilt app on the same database', async () => {
    await testApp.http().post('/api/auth/logout/').set(bearer(user.access)).expect(200);
    const other = await login(testApp, user.email, user.password);
    const rebuilt = await createTestApp({ overrides: { clock } });
    const response = await profile(user.access, rebuilt);
    expect(response.status).to.equal(401);
    expect(response.body.code).to.equal('TOKEN_INVALID');
    expect((await profile(other.access, rebuilt)).status).to.equal(200);
  });
});
