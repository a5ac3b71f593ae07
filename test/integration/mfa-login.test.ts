/**
 * Logging in with a second factor, through REST and tRPC on the real PostgreSQL and Redis: the
 * challenge instead of tokens, `login/mfa/` with a TOTP or recovery code, and every way an
 * attacker holding the password might try the codes (replay, parallel calls, a batch, new
 * challenges, the challenge presented as a token).
 */
import { expect } from 'chai';
import { QueryTypes } from 'sequelize';
import { bearer, createTestApp, type TestApp } from '../helpers/app.js';
import { ManualClock } from '../helpers/clock.js';
import { registerUser, STRONG_PASSWORD, type RegisteredUser } from '../helpers/factories.js';
import { appErrorOf } from '../helpers/inspect.js';
import { enableTotp, STEP_START, totpCode, type TotpAccount } from '../helpers/mfa.js';
import { limitedEnvironment } from '../helpers/rate-limit.js';

describe('login with a second factor', () => {
  let testApp: TestApp;
  let clock: ManualClock;
  let user: RegisteredUser;
  let totp: TotpAccount;

  async function start(env: Record<string, string> = {}) {
    clock = new ManualClock(STEP_START);
    testApp = await createTestApp({ env, overrides: { clock } });
    user = await registerUser(testApp);
    totp = await enableTotp(testApp, user.access, clock);
  }

  afterEach(async () => {
    await testApp.deps.close();
  });

  const passwordStep = () =>
    testApp
      .http()
      .post('/api/auth/login/')
      .set('User-Agent', 'mfa-test-agent')
      .send({ email: user.email, password: STRONG_PASSWORD });
  const challenge = async () => {
    const response = await passwordStep();
    expect(response.status, JSON.stringify(response.body)).to.equal(200);
    return response.body.mfa_token as string;
  };
  const codeStep = (mfaToken: string, code: string) =>
    testApp
      .http()
      .post('/api/auth/login/mfa/')
      .set('User-Agent', 'mfa-test-agent')
      .send({ mfa_token: mfaToken, code });
  const actions = async () =>
    (
      await testApp.deps.database.sequelize.query<{ action: string }>(
        'SELECT action FROM activity_logs WHERE user_id = $1 ORDER BY id',
        { bind: [user.id], type: QueryTypes.SELECT },
      )
    ).map((row) => row.action);
  const sessionCount = async () =>
    Number(
      (
        await testApp.deps.database.sequelize.query<{ count: string }>(
          'SELECT count(*) AS count FROM sessions WHERE user_id = $1 AND revoked_at IS NULL',
          { bind: [user.id], type: QueryTypes.SELECT },
        )
      )[0]!.count,
    );

  describe('with limits off', () => {
    beforeEach(() => start());

    it('answers a right password with a challenge and no tokens, then the code starts the session', async () => {
      const sessionsBefore = await sessionCount();
      const first = await passwordStep();
      expect(first.status).to.equal(200);
      expect(first.body).to.have.keys('mfa_required', 'mfa_token');
      expect(first.body.mfa_required).to.equal(true);
      expect(first.headers['cache-control']).to.include('no-store');
      expect(await sessionCount()).to.equal(sessionsBefore);

      const second = await codeStep(first.body.mfa_token, totpCode(totp.secret, clock.now()));
      expect(second.status, JSON.stringify(second.body)).to.equal(200);
      expect(second.body).to.have.keys('message', 'user', 'tokens');
      expect(second.body.user.email).to.equal(user.email);
      expect(second.body.user.last_login).to.be.a('string');
      const profile = await testApp
        .http()
        .get('/api/auth/profile/')
        .set(bearer(second.body.tokens.access));
      expect(profile.status).to.equal(200);
      expect(await sessionCount()).to.equal(sessionsBefore + 1);
      const [session] = await testApp.deps.database.sequelize.query<{
        user_agent: string;
        ip: string;
      }>(
        'SELECT user_agent, host(ip_address) AS ip FROM sessions WHERE user_id = $1 ORDER BY created_at DESC LIMIT 1',
        { bind: [user.id], type: QueryTypes.SELECT },
      );
      expect(session!.user_agent).to.equal('mfa-test-agent');
      expect(session!.ip).to.be.a('string');
      expect((await actions()).at(-1)).to.equal('login');
    });

    it('still refuses a wrong password with the same 401 as without TOTP', async () => {
      const response = await testApp
        .http()
        .post('/api/auth/login/')
        .send({ email: user.email, password: 'Not-My-Password-1' });
      expect(response.status).to.equal(401);
      expect(response.body.code).to.equal('AUTHENTICATION_FAILED');
      expect(response.body).to.not.have.property('mfa_token');
    });

    it('answers a wrong code with 401 AUTHENTICATION_FAILED and records mfa_failed', async () => {
      const token = await challenge();
      const response = await codeStep(token, totpCode(totp.secret, clock.now(), 4));
      expect(response.status).to.equal(401);
      expect(response.body.code).to.equal('AUTHENTICATION_FAILED');
      expect(response.headers['www-authenticate']).to.match(/^Bearer/);
      expect(await actions()).to.include('mfa_failed');
    });

    it('uses the mfa_token once', async () => {
      const token = await challenge();
      expect((await codeStep(token, totpCode(totp.secret, clock.now()))).status).to.equal(200);
      clock.advanceSeconds(30);
      const again = await codeStep(token, totpCode(totp.secret, clock.now()));
      expect(again.status).to.equal(400);
      expect(again.body.errors).to.have.keys('mfa_token');
    });

    it('lets the mfa_token expire after 5 minutes', async () => {
      const token = await challenge();
      clock.advanceSeconds(5 * 60 + 1);
      const late = await codeStep(token, totpCode(totp.secret, clock.now()));
      expect(late.status).to.equal(400);
      expect(late.body.code).to.equal('VALIDATION_ERROR');
      expect(late.body.errors).to.have.keys('mfa_token');
    });

    it('kills the mfa_token after 5 wrong codes: the right one is refused after them', async () => {
      const token = await challenge();
      for (let attempt = 1; attempt <= 5; attempt += 1) {
        const wrong = await codeStep(token, totpCode(totp.secret, clock.now(), 5 + attempt));
        expect(wrong.status, `attempt ${attempt}`).to.equal(401);
      }
      const right = await codeStep(token, totpCode(totp.secret, clock.now()));
      expect(right.status).to.equal(400);
      expect(right.body.errors).to.have.keys('mfa_token');
    });

    it('gives 20 wrong codes sent at once no more than 5 checks', async () => {
      const token = await challenge();
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          codeStep(token, String(100000 + index * 7919).slice(0, 6)),
        ),
      );
      const statuses = answers.map((answer) => answer.status);
      expect(statuses.filter((status) => status === 401)).to.have.length.at.most(5);
      expect(statuses.filter((status) => status === 400)).to.have.length.at.least(15);
      const failed = (await actions()).filter((action) => action === 'mfa_failed');
      expect(failed).to.have.length.at.most(5);
    });

    it('lets only one of two parallel right codes start a session', async () => {
      const token = await challenge();
      const before = await sessionCount();
      const answers = await Promise.all([
        codeStep(token, totpCode(totp.secret, clock.now())),
        codeStep(token, totp.recoveryCodes[0]!),
        codeStep(token, totpCode(totp.secret, clock.now(), 1)),
      ]);
      expect(answers.filter((answer) => answer.status === 200)).to.have.length(1);
      expect(await sessionCount()).to.equal(before + 1);
    });

    it('refuses a TOTP code already used to log in, within its step', async () => {
      const code = totpCode(totp.secret, clock.now());
      expect((await codeStep(await challenge(), code)).status).to.equal(200);
      const replay = await codeStep(await challenge(), code);
      expect(replay.status).to.equal(401);
    });

    it('logs in with a recovery code once, records it and mails the owner', async () => {
      const [code] = totp.recoveryCodes;
      const response = await codeStep(await challenge(), code!);
      expect(response.status).to.equal(200);
      expect(await actions()).to.include('recovery_code_used');
      expect(testApp.mailer.last('recovery_code_used')?.to).to.equal(user.email);
      const status = await testApp.http().get('/api/auth/mfa/').set(bearer(user.access));
      expect(status.body.recovery_codes_remaining).to.equal(9);
      expect((await codeStep(await challenge(), code!)).status).to.equal(401);
    });

    it('never accepts the mfa_token as an access or refresh token', async () => {
      const token = await challenge();
      const asAccess = await testApp.http().get('/api/auth/profile/').set(bearer(token));
      expect(asAccess.status).to.equal(401);
      expect(asAccess.body.code).to.equal('TOKEN_INVALID');
      const asRefresh = await testApp.http().post('/api/auth/refresh/').send({ refresh: token });
      expect(asRefresh.status).to.equal(401);
      // And it still works for its own purpose: presenting it elsewhere did not consume it.
      expect((await codeStep(token, totpCode(totp.secret, clock.now()))).status).to.equal(200);
    });

    it('refuses malformed codes with errors.code and checks nothing', async () => {
      const token = await challenge();
      for (const code of ['12345', '1234567', 'abc', '12a456', '']) {
        const response = await codeStep(token, code);
        expect(response.status, code).to.equal(400);
        expect(response.body.errors, code).to.have.keys('code');
      }
      expect((await actions()).filter((action) => action === 'mfa_failed')).to.have.length(0);
      expect((await codeStep(token, totpCode(totp.secret, clock.now()))).status).to.equal(200);
    });

    it('makes the mfa_token worthless once the password changes', async () => {
      const token = await challenge();
      const changed = await testApp
        .http()
        .post('/api/auth/change-password/')
        .set(bearer(user.access))
        .send({
          current_password: STRONG_PASSWORD,
          new_password: 'Another-Passphrase-77',
          new_password_confirm: 'Another-Passphrase-77',
        });
      expect(changed.status).to.equal(200);
      const response = await codeStep(token, totpCode(totp.secret, clock.now()));
      expect(response.status).to.equal(400);
      expect(response.body.errors).to.have.keys('mfa_token');
    });

    it('serves both steps over tRPC, the result a union told apart by mfa_required', async () => {
      const caller = testApp.caller({ userAgent: 'trpc-mfa' });
      const first = await caller.auth.login({ email: user.email, password: STRONG_PASSWORD });
      if (!('mfa_required' in first)) throw new Error('expected a challenge');
      const wrong = await appErrorOf(
        caller.auth.loginMfa({ mfa_token: first.mfa_token, code: '000000' }),
      );
      expect(wrong.code).to.equal('AUTHENTICATION_FAILED');
      const done = await caller.auth.loginMfa({
        mfa_token: first.mfa_token,
        code: totpCode(totp.secret, clock.now()),
      });
      expect(done.user.last_login).to.be.instanceOf(Date);
      expect(done.tokens).to.have.keys('access', 'refresh');
    });
  });

  describe('with the failed-login lock on', () => {
    beforeEach(() => start(limitedEnvironment({ RATE_LIMIT_LOGIN_ACCOUNT_FAILURES: '4' })));

    it('counts wrong codes toward the lock, and new challenges do not reset it', async () => {
      let token = await challenge();
      for (let attempt = 1; attempt <= 2; attempt += 1)
        expect((await codeStep(token, totpCode(totp.secret, clock.now(), 9))).status).to.equal(401);
      // A right password again: for a TOTP account it clears none of the failures.
      token = await challenge();
      for (let attempt = 1; attempt <= 2; attempt += 1)
        expect((await codeStep(token, totpCode(totp.secret, clock.now(), 9))).status).to.equal(401);
      const locked = await codeStep(token, totpCode(totp.secret, clock.now()));
      expect(locked.status).to.equal(429);
      expect(locked.headers['retry-after']).to.match(/^\d+$/);
      expect((await passwordStep()).status).to.equal(429);
    });
  });
});
