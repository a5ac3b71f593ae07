import { expect } from 'chai';
import { sha256Hex } from '../../server/lib/tokens.js';
import { bearer, createTestApp, type TestApp } from '../helpers/app.js';
import { ManualClock } from '../helpers/clock.js';
import {
  login,
  registerUser,
  STRONG_PASSWORD,
  uniqueEmail,
  type RegisteredUser,
} from '../helpers/factories.js';
import {
  appErrorOf,
  elapsedMs,
  hasRedis,
  insertUser,
  median,
  models,
  TEST_KEY_PREFIX,
  userRow,
  withRawRedis,
} from '../helpers/inspect.js';

const RESET_REQUESTED = {
  message: 'If an account exists for this email, a password reset link has been sent to it.',
};
const NEW_PASSWORD = 'Brand-New-Passphrase-42';
const tokenKey = (token: string) => `${TEST_KEY_PREFIX}password-reset:token:${sha256Hex(token)}`;
const TOKEN_REFUSED = { token: ['Invalid or expired token.'] };

/**
 * Makes PostgreSQL refuse every change to one user's row (a trigger), so a reset's transaction
 * fails after its token was taken; the returned function lifts the refusal.
 */
async function refuseChangesTo(testApp: TestApp, userId: string): Promise<() => Promise<void>> {
  const { sequelize } = testApp.deps.database;
  const name = `refuse_user_${userId.replace(/-/g, '')}`;
  await sequelize.query(`CREATE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'refused by the test'; END $$`);
  await sequelize.query(`CREATE TRIGGER ${name} BEFORE UPDATE ON users FOR EACH ROW
    WHEN (OLD.id = '${userId}') EXECUTE FUNCTION ${name}()`);
  return async () => {
    await sequelize.query(`DROP TRIGGER ${name} ON users`);
    await sequelize.query(`DROP FUNCTION ${name}()`);
  };
}

describe('forgot-password/ and reset-password/', () => {
  let testApp: TestApp;
  let user: RegisteredUser;
  beforeEach(async () => {
    testApp = await createTestApp();
    user = await registerUser(testApp);
  });

  const forgot = (email: string) =>
    testApp.http().post('/api/auth/forgot-password/').send({ email });
  const reset = (body: Record<string, unknown>) =>
    testApp.http().post('/api/auth/reset-password/').send(body);
  const resetWith = (token: string, password = NEW_PASSWORD) =>
    reset({ token, password, password_confirm: password });
  const loginStatus = async (password: string) =>
    (await testApp.http().post('/api/auth/login/').send({ email: user.email, password })).status;

  async function requestToken(email = user.email): Promise<string> {
    const response = await forgot(email);
    expect(response.status).to.equal(200);
    const token = testApp.mailer.resetTokenFor(user.email);
    expect(token, 'a reset email').to.be.a('string');
    return token!;
  }

  describe('forgot-password/', () => {
    it('answers known and unknown emails with the same 200 body', async () => {
      const known = await forgot(user.email);
      const unknown = await forgot(uniqueEmail('nobody'));
      expect(known.status).to.equal(200);
      expect(unknown.status).to.equal(200);
      expect(known.body).to.deep.equal(RESET_REQUESTED);
      expect(unknown.text).to.equal(known.text);
      expect(testApp.mailer.sent.filter((mail) => mail.kind === 'password_reset')).to.have.length(
        1,
      );
    });

    it('mails ${FRONTEND_URL}/reset-password?token=<token> and records the request', async () => {
      await forgot(user.email.toUpperCase());
      const mail = testApp.mailer.last('password_reset');
      expect(mail!.to).to.equal(user.email);
      expect(mail!.resetUrl).to.match(
        /^http:\/\/frontend\.test\/reset-password\?token=[\w-]{40,}$/,
      );
      expect(mail!.expiresInMinutes).to.equal(60);
      expect(
        await models(testApp).ActivityLog.count({
          where: { userId: user.id, action: 'password_reset_request' },
        }),
      ).to.equal(1);
    });

    it('stores only the SHA-256 of the token in Redis, with TTL PASSWORD_RESET_TIMEOUT', async function () {
      if (!hasRedis()) this.skip();
      const token = await requestToken();
      await withRawRedis(async (redis) => {
        const ttl = await redis.ttl(tokenKey(token));
        expect(ttl).to.be.within(3590, 3600);
        // The user, the password it may replace (keyed, never the hash itself) and the expiry.
        const [owner, binding, expiresAt] = (await redis.get(tokenKey(token)))!.split(' ');
        expect(owner).to.equal(user.id);
        expect(binding).to.match(/^[\w-]{43}$/);
        expect((await userRow(testApp, user.email)).passwordHash).to.not.include(binding!);
        expect(Number(expiresAt)).to.be.within(Date.now() + 3590_000, Date.now() + 3600_000);
        for (const key of await redis.keys('*')) {
          expect(key).to.not.include(token);
          const type = await redis.type(key);
          if (type === 'string') expect(await redis.get(key)).to.not.include(token);
        }
      });

      const shorter = await createTestApp({ env: { PASSWORD_RESET_TIMEOUT: '600' } });
      await shorter.http().post('/api/auth/forgot-password/').send({ email: user.email });
      const second = shorter.mailer.resetTokenFor(user.email)!;
      const ttl = await withRawRedis((redis) => redis.ttl(tokenKey(second)));
      expect(ttl).to.be.within(590, 600);
      expect(shorter.mailer.last('password_reset')!.expiresInMinutes).to.equal(10);
    });

    it('lets a newer request replace the older token', async () => {
      const older = await requestToken();
      const newer = await requestToken();
      expect(newer).to.not.equal(older);
      const refused = await resetWith(older);
      expect(refused.status).to.equal(400);
      expect(refused.body.errors).to.deep.equal({ token: ['Invalid or expired token.'] });
      expect((await resetWith(newer)).status).to.equal(200);
    });

    it('mails nothing for a deactivated account, with the same answer', async () => {
      await models(testApp).User.update({ isActive: false }, { where: { id: user.id } });
      const response = await forgot(user.email);
      expect(response.body).to.deep.equal(RESET_REQUESTED);
      expect(testApp.mailer.last('password_reset')).to.equal(undefined);
    });

    it('refuses an invalid email with errors.email', async () => {
      const response = await forgot('not-an-email');
      expect(response.status).to.equal(400);
      expect(response.body.errors).to.deep.equal({ email: ['Enter a valid email address.'] });
    });

    it('takes about as long for an unknown email as for an account', async function () {
      this.timeout(60_000);
      const ATTEMPTS = 15;
      // Each request its own address (behind TRUST_PROXY) and account, so no rate limit interferes.
      const timed = await createTestApp({ env: { TRUST_PROXY: '1' } });
      const accounts: string[] = [];
      for (let index = 0; index < ATTEMPTS + 1; index += 1) {
        const created = await insertUser(timed, {
          email: uniqueEmail('reset-timed'),
          passwordHash: (await userRow(timed, user.email)).passwordHash,
        });
        accounts.push(created.email);
      }
      let address = 0;
      const request = async (email: string) => {
        address += 1;
        const response = await timed
          .http()
          .post('/api/auth/forgot-password/')
          .set('X-Forwarded-For', `198.51.100.${address}`)
          .send({ email });
        expect(response.body).to.deep.equal(RESET_REQUESTED);
      };
      await request(accounts[ATTEMPTS]!);
      await request(uniqueEmail('warm'));
      const known: number[] = [];
      const unknown: number[] = [];
      for (let index = 0; index < ATTEMPTS; index += 1) {
        known.push(await elapsedMs(() => request(accounts[index]!)));
        unknown.push(await elapsedMs(() => request(uniqueEmail('ghost'))));
      }
      const medians = { known: median(known), unknown: median(unknown) };
      const ratio =
        Math.max(medians.known, medians.unknown) / Math.min(medians.known, medians.unknown);
      console.log(
        `      forgot-password medians (ms, ${ATTEMPTS} each): account ${medians.known.toFixed(2)}, ` +
          `unknown ${medians.unknown.toFixed(2)}; max/min ${ratio.toFixed(2)}`,
      );
      expect(timed.mailer.sent.filter((mail) => mail.kind === 'password_reset')).to.have.length(
        ATTEMPTS + 1,
      );
      expect(ratio).to.be.below(3);
    });
  });

  describe('reset-password/', () => {
    it('sets the new password: the new one logs in, the old one no longer does', async () => {
      const token = await requestToken();
      const response = await resetWith(token);
      expect(response.status).to.equal(200);
      expect(response.body).to.deep.equal({ message: 'Password has been reset successfully.' });
      expect(await loginStatus(NEW_PASSWORD)).to.equal(200);
      expect(await loginStatus(STRONG_PASSWORD)).to.equal(401);
      expect(
        await models(testApp).ActivityLog.count({
          where: { userId: user.id, action: 'password_reset' },
        }),
      ).to.equal(1);
      expect(testApp.mailer.last('password_changed')!.to).to.equal(user.email);
    });

    it('consumes the token: a second use is 400 errors.token', async () => {
      const token = await requestToken();
      expect((await resetWith(token)).status).to.equal(200);
      const again = await resetWith(token, 'Yet-Another-Passphrase-7');
      expect(again.status).to.equal(400);
      expect(again.body.code).to.equal('VALIDATION_ERROR');
      expect(again.body.errors).to.deep.equal({ token: ['Invalid or expired token.'] });
      expect(await loginStatus(NEW_PASSWORD)).to.equal(200);
      if (hasRedis()) {
        expect(await withRawRedis((redis) => redis.exists(tokenKey(token)))).to.equal(0);
      }
    });

    it('revokes every session and refresh token of the user', async () => {
      const other = await login(testApp, user.email, user.password);
      const token = await requestToken();
      expect((await resetWith(token)).status).to.equal(200);

      for (const refresh of [user.refresh, other.refresh]) {
        const response = await testApp.http().post('/api/auth/refresh/').send({ refresh });
        expect(response.status).to.equal(401);
        expect(response.body.code).to.equal('TOKEN_INVALID');
      }
      for (const access of [user.access, other.access]) {
        const response = await testApp.http().get('/api/auth/profile/').set(bearer(access));
        expect(response.status).to.equal(401);
        expect(response.body.code).to.equal('TOKEN_INVALID');
      }
      expect(
        await models(testApp).Session.count({ where: { userId: user.id, revokedAt: null } }),
      ).to.equal(0);
      expect(await models(testApp).RefreshToken.count({ where: { revokedAt: null } })).to.equal(0);
    });

    it('refuses an unknown token with errors.token', async () => {
      const response = await resetWith('this-token-was-never-issued');
      expect(response.status).to.equal(400);
      expect(response.body.errors).to.deep.equal({ token: ['Invalid or expired token.'] });
    });

    it('refuses an expired token with errors.token', async function () {
      if (!hasRedis()) this.skip();
      const token = await requestToken();
      // Let Redis expire the key, as it will after PASSWORD_RESET_TIMEOUT.
      await withRawRedis((redis) => redis.pExpire(tokenKey(token), 1));
      await new Promise((resolve) => setTimeout(resolve, 20));
      const response = await resetWith(token);
      expect(response.status).to.equal(400);
      expect(response.body.errors).to.deep.equal({ token: ['Invalid or expired token.'] });
      expect(await loginStatus(STRONG_PASSWORD)).to.equal(200);
    });

    it('keeps the token after a failed attempt (weak password, mismatch)', async () => {
      const token = await requestToken();
      const weak = await resetWith(token, 'sunshine');
      expect(weak.status).to.equal(400);
      expect(weak.body.errors).to.deep.equal({ password: ['This password is too common.'] });

      const mismatch = await reset({
        token,
        password: NEW_PASSWORD,
        password_confirm: `${NEW_PASSWORD}?`,
      });
      expect(mismatch.status).to.equal(400);
      expect(mismatch.body.errors).to.deep.equal({ password_confirm: ['Passwords do not match.'] });

      expect(await loginStatus(STRONG_PASSWORD)).to.equal(200);
      expect((await resetWith(token)).status).to.equal(200);
      expect(await loginStatus(NEW_PASSWORD)).to.equal(200);
    });

    it('ends every other outstanding token of the account, however many requests raced', async () => {
      await Promise.all(Array.from({ length: 6 }, () => forgot(user.email)));
      const tokens = testApp.mailer.sent
        .filter((mail) => mail.kind === 'password_reset')
        .map((mail) => new URL((mail as { resetUrl: string }).resetUrl).searchParams.get('token')!);
      expect(tokens).to.have.length(6);
      const outcomes: number[] = [];
      for (const token of tokens) outcomes.push((await resetWith(token)).status);
      // One of them resets the password; whatever raced past "a newer request replaces the
      // older" dies with the password it was issued for.
      expect(outcomes.filter((status) => status === 200)).to.have.length(1);
      expect(outcomes.filter((status) => status === 400)).to.have.length(5);
    });

    it('ends a token given back after a failed reset once another token resets the password', async () => {
      const first = await requestToken();
      const allow = await refuseChangesTo(testApp, user.id);
      try {
        expect((await resetWith(first)).status).to.equal(500);
      } finally {
        await allow();
      }
      const second = await requestToken();
      expect((await resetWith(second)).status).to.equal(200);
      const late = await resetWith(first, 'Late-Comer-Passphrase-3');
      expect(late.status).to.equal(400);
      expect(late.body.errors).to.deep.equal(TOKEN_REFUSED);
      expect(await loginStatus(NEW_PASSWORD)).to.equal(200);
    });

    it('names missing fields as required', async () => {
      const response = await reset({});
      expect(response.status).to.equal(400);
      expect(response.body.errors).to.deep.equal({
        token: ['This field is required.'],
        password: ['This field is required.'],
        password_confirm: ['This field is required.'],
      });
    });

    it('works over tRPC with the same rules', async () => {
      await testApp.caller().auth.forgotPassword({ email: user.email });
      const token = testApp.mailer.resetTokenFor(user.email)!;
      const weak = await appErrorOf(
        testApp.caller().auth.resetPassword({
          token,
          password: '12345678',
          password_confirm: '12345678',
        }),
      );
      expect(weak.code).to.equal('VALIDATION_ERROR');
      expect(weak.fieldErrors!.password).to.include('This password is entirely numeric.');
      expect(
        await testApp.caller().auth.resetPassword({
          token,
          password: NEW_PASSWORD,
          password_confirm: NEW_PASSWORD,
        }),
      ).to.deep.equal({ message: 'Password has been reset successfully.' });
      const reused = await appErrorOf(
        testApp.caller().auth.resetPassword({
          token,
          password: NEW_PASSWORD,
          password_confirm: NEW_PASSWORD,
        }),
      );
      expect(reused.fieldErrors).to.deep.equal({ token: ['Invalid or expired token.'] });
    });
  });

  describe('when the reset itself fails', () => {
    let clock: ManualClock;
    let clocked: TestApp;
    beforeEach(async () => {
      clock = new ManualClock();
      clocked = await createTestApp({ overrides: { clock } });
    });

    const timeout = () => clocked.config.passwords.resetTimeoutSeconds;
    async function tokenFromClockedApp() {
      await clocked.http().post('/api/auth/forgot-password/').send({ email: user.email });
      return clocked.mailer.resetTokenFor(user.email)!;
    }
    async function failingReset(attempt: () => Promise<unknown>) {
      const allow = await refuseChangesTo(clocked, user.id);
      try {
        return await attempt();
      } finally {
        await allow();
      }
    }
    const resetOn = (token: string, password = NEW_PASSWORD) =>
      clocked
        .http()
        .post('/api/auth/reset-password/')
        .send({ token, password, password_confirm: password });

    it('gives the token back with the lifetime it had left, not a fresh one', async () => {
      const token = await tokenFromClockedApp();
      clock.advanceSeconds(timeout() - 600);
      const failed = (await failingReset(() => resetOn(token))) as { status: number };
      expect(failed.status).to.equal(500);
      if (hasRedis()) {
        const ttl = await withRawRedis((redis) => redis.ttl(tokenKey(token)));
        expect(ttl).to.be.within(590, 600);
      }
      // Still usable within what was left (a refused password keeps the token)...
      clock.advanceSeconds(590);
      const weak = await resetOn(token, 'sunshine');
      expect(weak.body.errors).to.deep.equal({ password: ['This password is too common.'] });
      // ...and no longer once that has run out.
      clock.advanceSeconds(11);
      const expired = await resetOn(token);
      expect(expired.status).to.equal(400);
      expect(expired.body.errors).to.deep.equal(TOKEN_REFUSED);
      expect(await loginStatus(STRONG_PASSWORD)).to.equal(200);
    });

    it('does the same over tRPC', async () => {
      const token = await tokenFromClockedApp();
      clock.advanceSeconds(timeout() - 60);
      const input = { token, password: NEW_PASSWORD, password_confirm: NEW_PASSWORD };
      const failed = (await failingReset(() =>
        appErrorOf(clocked.caller().auth.resetPassword(input)),
      )) as { code: string };
      expect(failed.code).to.equal('INTERNAL_ERROR');
      clock.advanceSeconds(61);
      const expired = await appErrorOf(clocked.caller().auth.resetPassword(input));
      expect(expired.fieldErrors).to.deep.equal(TOKEN_REFUSED);
    });
  });
});
