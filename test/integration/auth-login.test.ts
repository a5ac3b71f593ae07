import { expect } from 'chai';
import { createLogger } from '../../server/lib/logger.js';
import { ScryptPasswordHasher } from '../../server/lib/password-hasher.js';
import { bearer, createTestApp, TEST_SCRYPT, type TestApp } from '../helpers/app.js';
import { registerUser, STRONG_PASSWORD, uniqueEmail } from '../helpers/factories.js';
import { appErrorOf, elapsedMs, insertUser, median, models, userRow } from '../helpers/inspect.js';

const AUTHENTICATION_FAILED = {
  detail: 'No active account found with the given credentials.',
  code: 'AUTHENTICATION_FAILED',
};

describe('login/', () => {
  let testApp: TestApp;
  beforeEach(async () => {
    testApp = await createTestApp();
  });

  const login = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    testApp.http().post('/api/auth/login/').set(headers).send(body);

  it('answers 200 with the user and a token pair that works', async () => {
    const user = await registerUser(testApp);
    const response = await login({ email: user.email, password: user.password });
    expect(response.status).to.equal(200);
    expect(response.body).to.have.keys('message', 'user', 'tokens');
    expect(response.body.user.id).to.equal(user.id);
    expect(response.body.user.last_login).to.be.a('string');
    expect(response.body.tokens).to.have.keys('access', 'refresh');
    const profile = await testApp
      .http()
      .get('/api/auth/profile/')
      .set(bearer(response.body.tokens.access));
    expect(profile.status).to.equal(200);
  });

  it('finds the account whatever the letter case and surrounding spaces of the email', async () => {
    const user = await registerUser(testApp);
    const response = await login({
      email: `  ${user.email.toUpperCase()} `,
      password: user.password,
    });
    expect(response.status).to.equal(200);
    expect(response.body.user.id).to.equal(user.id);
  });

  it('records last_login, the client IP and the user agent on the user, session and activity', async () => {
    const user = await registerUser(testApp);
    const before = Date.now();
    const response = await login(
      { email: user.email, password: user.password },
      { 'User-Agent': 'LoginTest/1.0 (recording)' },
    );
    expect(response.status).to.equal(200);

    const row = await userRow(testApp, user.email);
    expect(row.lastLogin).to.be.instanceOf(Date);
    expect(row.lastLogin!.getTime()).to.be.within(before - 1000, Date.now() + 1000);
    expect(response.body.user.last_login).to.equal(row.lastLogin!.toISOString());
    expect(row.lastLoginIp).to.be.oneOf(['127.0.0.1', '::1']);

    const sessions = await models(testApp).Session.findAll({
      where: { userId: user.id },
      order: [['createdAt', 'ASC']],
      raw: true,
    });
    expect(sessions).to.have.length(2); // register, then this login
    expect(sessions[1]).to.include({
      userAgent: 'LoginTest/1.0 (recording)',
      ipAddress: row.lastLoginIp,
      revokedAt: null,
    });

    const entry = await models(testApp).ActivityLog.findOne({
      where: { userId: user.id, action: 'login' },
      raw: true,
    });
    expect(entry).to.include({
      userAgent: 'LoginTest/1.0 (recording)',
      ipAddress: row.lastLoginIp,
    });
  });

  it('ignores X-Forwarded-For by default, and believes it only behind TRUST_PROXY hops', async () => {
    const user = await registerUser(testApp);
    await login(
      { email: user.email, password: user.password },
      { 'X-Forwarded-For': '203.0.113.9' },
    );
    const direct = await userRow(testApp, user.email);
    expect(direct.lastLoginIp).to.be.oneOf(['127.0.0.1', '::1']);
    expect(await models(testApp).Session.count({ where: { ipAddress: '203.0.113.9' } })).to.equal(
      0,
    );

    const behindProxy = await createTestApp({ env: { TRUST_PROXY: '1' } });
    const response = await behindProxy
      .http()
      .post('/api/auth/login/')
      .set('X-Forwarded-For', '203.0.113.9')
      .send({ email: user.email, password: user.password });
    expect(response.status).to.equal(200);
    expect((await userRow(testApp, user.email)).lastLoginIp).to.equal('203.0.113.9');
  });

  it('gives a wrong password, an unknown email and a deactivated account the same 401 body', async () => {
    const user = await registerUser(testApp);
    const inactive = await registerUser(testApp);
    await models(testApp).User.update({ isActive: false }, { where: { id: inactive.id } });

    const wrongPassword = await login({ email: user.email, password: `${user.password}!` });
    const unknownEmail = await login({ email: uniqueEmail('nobody'), password: user.password });
    const deactivated = await login({ email: inactive.email, password: inactive.password });

    for (const response of [wrongPassword, unknownEmail, deactivated]) {
      expect(response.status).to.equal(401);
      expect(response.body).to.deep.equal(AUTHENTICATION_FAILED);
      expect(response.headers['www-authenticate']).to.match(/^Bearer\b/);
    }
    expect(unknownEmail.text).to.equal(wrongPassword.text);
    expect(deactivated.text).to.equal(wrongPassword.text);

    // Nothing was granted: no new session, last_login untouched, the failures are on record.
    expect(await models(testApp).Session.count({ where: { userId: inactive.id } })).to.equal(1);
    expect((await userRow(testApp, inactive.email)).lastLogin).to.equal(null);
    const failures = await models(testApp).ActivityLog.findAll({
      where: { action: 'login_failed' },
      raw: true,
    });
    expect(failures.map((entry) => [entry.userId, entry.metadata])).to.have.deep.members([
      [user.id, { reason: 'bad_password' }],
      [inactive.id, { reason: 'inactive' }],
    ]);
  });

  it('takes about as long for a wrong password, an unknown email and a deactivated account', async function () {
    this.timeout(60_000);
    const ATTEMPTS = 15;
    // A realistic-ish cost, so the scrypt work (and not noise) dominates each attempt. Behind
    // TRUST_PROXY each attempt gets its own address and account, so no rate limit interferes.
    const timed = await createTestApp({ env: { SCRYPT_LOG_N: '13', TRUST_PROXY: '1' } });
    const hash = await timed.deps.hasher.hash(STRONG_PASSWORD);
    const known: string[] = [];
    const deactivated: string[] = [];
    for (let index = 0; index < ATTEMPTS; index += 1) {
      const active = await insertUser(timed, { email: uniqueEmail('timed'), passwordHash: hash });
      const inactive = await insertUser(timed, {
        email: uniqueEmail('timed-off'),
        passwordHash: hash,
        isActive: false,
      });
      known.push(active.email);
      deactivated.push(inactive.email);
    }
    let address = 0;
    const attempt = async (email: string, password: string) => {
      address += 1;
      const response = await timed
        .http()
        .post('/api/auth/login/')
        .set('X-Forwarded-For', `198.51.100.${address}`)
        .send({ email, password });
      expect(response.status).to.equal(401);
    };
    // Warm up every path once (the dummy hash is made on first use).
    await attempt(uniqueEmail('warm'), STRONG_PASSWORD);
    const times = {
      wrongPassword: [] as number[],
      unknown: [] as number[],
      inactive: [] as number[],
    };
    for (let index = 0; index < ATTEMPTS; index += 1) {
      times.wrongPassword.push(await elapsedMs(() => attempt(known[index]!, 'Wrong-Password-77')));
      times.unknown.push(await elapsedMs(() => attempt(uniqueEmail('ghost'), STRONG_PASSWORD)));
      times.inactive.push(await elapsedMs(() => attempt(deactivated[index]!, STRONG_PASSWORD)));
    }
    const medians = {
      wrongPassword: median(times.wrongPassword),
      unknown: median(times.unknown),
      inactive: median(times.inactive),
    };
    const values = Object.values(medians);
    const ratio = Math.max(...values) / Math.min(...values);
    console.log(
      `      login miss medians (ms, scrypt logN 13, ${ATTEMPTS} each): ` +
        `wrong password ${medians.wrongPassword.toFixed(1)}, unknown email ${medians.unknown.toFixed(1)}, ` +
        `deactivated ${medians.inactive.toFixed(1)}; max/min ${ratio.toFixed(2)}`,
    );
    expect(ratio).to.be.below(3);
    // The scrypt work is really there: a miss costs at least one hash of this cost.
    expect(Math.min(...values)).to.be.above(
      (await elapsedMs(() => timed.deps.hasher.verify(hash, 'x'))) * 0.5,
    );
  });

  it('upgrades a hash made with weaker scrypt parameters at the next successful login', async () => {
    const stronger = await createTestApp({ env: { SCRYPT_LOG_N: String(TEST_SCRYPT.logN + 1) } });
    const weakHasher = new ScryptPasswordHasher(TEST_SCRYPT, { concurrency: 1, queueLimit: 10 });
    const email = uniqueEmail('old-hash');
    const oldHash = await weakHasher.hash(STRONG_PASSWORD);
    await insertUser(stronger, { email, passwordHash: oldHash });
    expect(stronger.deps.hasher.needsRehash(oldHash)).to.equal(true);

    const failed = await stronger
      .http()
      .post('/api/auth/login/')
      .send({ email, password: 'Not-The-Password-1' });
    expect(failed.status).to.equal(401);
    expect((await userRow(stronger, email)).passwordHash).to.equal(oldHash);

    const response = await stronger
      .http()
      .post('/api/auth/login/')
      .send({ email, password: STRONG_PASSWORD });
    expect(response.status).to.equal(200);
    const upgraded = (await userRow(stronger, email)).passwordHash;
    expect(upgraded).to.not.equal(oldHash);
    expect(logNOf(upgraded)).to.equal(TEST_SCRYPT.logN + 1);
    expect(logNOf(oldHash)).to.equal(TEST_SCRYPT.logN);
    expect(stronger.deps.hasher.needsRehash(upgraded)).to.equal(false);

    const again = await stronger
      .http()
      .post('/api/auth/login/')
      .send({ email, password: STRONG_PASSWORD });
    expect(again.status).to.equal(200);
    expect((await userRow(stronger, email)).passwordHash).to.equal(upgraded);
  });

  it('names missing fields as required', async () => {
    const response = await login({});
    expect(response.status).to.equal(400);
    expect(response.body.errors).to.deep.equal({
      email: ['This field is required.'],
      password: ['This field is required.'],
    });
  });

  it('answers 503 with Retry-After, not 500, when the hashing queue is full', async () => {
    const user = await registerUser(testApp);
    const logger = createLogger({ level: 'warn', pretty: false });
    const logged: Array<{ level: string; message: unknown }> = [];
    logger.warn = ((_fields: unknown, message: unknown) =>
      void logged.push({ level: 'warn', message })) as typeof logger.warn;
    logger.error = ((_fields: unknown, message: unknown) =>
      void logged.push({ level: 'error', message })) as typeof logger.error;
    const saturated = await createTestApp({
      overrides: {
        logger,
        hasher: new ScryptPasswordHasher(
          { logN: 12, r: 8, p: 1 },
          { concurrency: 1, queueLimit: 0, refusalDelayMs: 300, logger },
        ),
      },
    });
    const timed = await Promise.all(
      Array.from({ length: 6 }, async () => {
        const started = performance.now();
        const response = await saturated
          .http()
          .post('/api/auth/login/')
          .send({ email: user.email, password: user.password });
        return { response, elapsedMs: performance.now() - started };
      }),
    );
    const responses = timed.map((each) => each.response);
    const statuses = responses.map((response) => response.status);
    expect(statuses).to.include(503);
    expect(statuses).to.not.include(500);
    for (const { response, elapsedMs } of timed.filter((each) => each.response.status === 503)) {
      expect(response.body).to.deep.equal({
        detail: 'The service is temporarily unavailable.',
        code: 'SERVICE_UNAVAILABLE',
      });
      expect(Number(response.headers['retry-after'])).to.be.at.least(1);
      // Refusals come after the pause, so a client that asks again at once cannot spin.
      expect(elapsedMs).to.be.at.least(290);
    }
    // Only the logins that got a slot started a session.
    const granted = statuses.filter((status) => status === 200).length;
    expect(granted).to.be.at.least(1);
    expect(await models(testApp).Session.count({ where: { userId: user.id } })).to.equal(
      1 + granted,
    );

    const overTrpc = await Promise.all(
      Array.from({ length: 4 }, () =>
        appErrorOf(
          saturated.caller().auth.login({ email: user.email, password: 'wrong-Password-1' }),
        ),
      ),
    );
    expect(overTrpc.map((error) => error.code)).to.include('SERVICE_UNAVAILABLE');
    // Load shedding is one warning, not an error per refused login (a flood would bury the logs).
    const shedding = 'password hashing at capacity: refusing with 503';
    expect(logged.filter((line) => line.level === 'error')).to.deep.equal([]);
    expect(logged.filter((line) => line.message === shedding)).to.have.length(1);
  });

  describe('over tRPC', () => {
    it('logs in with Date timestamps and refuses bad credentials with AUTHENTICATION_FAILED', async () => {
      const user = await registerUser(testApp);
      const caller = testApp.caller({ ip: '192.0.2.44', userAgent: 'trpc-test' });
      const result = await caller.auth.login({ email: user.email, password: user.password });
      if ('mfa_required' in result) throw new Error('no TOTP on this account');
      expect(result.user.last_login).to.be.instanceOf(Date);
      expect((await userRow(testApp, user.email)).lastLoginIp).to.equal('192.0.2.44');

      const wrong = await appErrorOf(caller.auth.login({ email: user.email, password: 'nope' }));
      const unknown = await appErrorOf(
        caller.auth.login({ email: uniqueEmail(), password: user.password }),
      );
      expect(wrong.code).to.equal('AUTHENTICATION_FAILED');
      expect(unknown.code).to.equal('AUTHENTICATION_FAILED');
      expect(unknown.message).to.equal(wrong.message);
    });
  });
});

/** scrypt-kdf's format: "scrypt" magic, version byte, then logN. */
function logNOf(hash: string): number {
  return Buffer.from(hash.slice('scrypt$'.length), 'base64').readUInt8(7);
}
