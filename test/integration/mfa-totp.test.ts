/**
 * Turning TOTP on and off, and recovery codes, through REST and tRPC on the real PostgreSQL and
 * Redis, with codes computed from the secret the service handed out and the injected clock.
 */
import { expect } from 'chai';
import { QueryTypes } from 'sequelize';
import { bearer, createTestApp, type TestApp } from '../helpers/app.js';
import { ManualClock } from '../helpers/clock.js';
import { registerUser, STRONG_PASSWORD, type RegisteredUser } from '../helpers/factories.js';
import { appErrorOf } from '../helpers/inspect.js';
import { enableTotp, STEP_START, totpCode } from '../helpers/mfa.js';

describe('two-factor authentication (TOTP)', () => {
  let testApp: TestApp;
  let clock: ManualClock;
  let user: RegisteredUser;

  beforeEach(async () => {
    clock = new ManualClock(STEP_START);
    testApp = await createTestApp({ overrides: { clock } });
    user = await registerUser(testApp);
  });

  const post = (path: string, body: Record<string, unknown>, access = user.access) =>
    testApp.http().post(`/api/auth/${path}`).set(bearer(access)).send(body);
  const status = async () =>
    (await testApp.http().get('/api/auth/mfa/').set(bearer(user.access))).body;
  const actions = async () =>
    (
      await testApp.deps.database.sequelize.query<{ action: string }>(
        'SELECT action FROM activity_logs WHERE user_id = $1 ORDER BY id',
        { bind: [user.id], type: QueryTypes.SELECT },
      )
    ).map((row) => row.action);

  it('is off for a new account', async () => {
    expect(await status()).to.deep.equal({ totp_enabled: false, recovery_codes_remaining: 0 });
  });

  it('sets up behind the password, stays off until a first code confirms it, then shows 10 codes once', async () => {
    const wrong = await post('mfa/totp/setup/', { password: 'Not-My-Password-1' });
    expect(wrong.status).to.equal(400);
    expect(wrong.body.errors).to.have.keys('password');

    const setup = await post('mfa/totp/setup/', { password: STRONG_PASSWORD });
    expect(setup.status).to.equal(200);
    expect(setup.body.secret).to.match(/^[A-Z2-7]{32}$/);
    expect(setup.body.otpauth_url).to.match(/^otpauth:\/\/totp\/.*secret=/);
    expect(setup.body.otpauth_url).to.include('algorithm=SHA1&digits=6&period=30');
    expect((await status()).totp_enabled).to.equal(false);

    const badCode = await post('mfa/totp/confirm/', {
      code: totpCode(setup.body.secret, clock.now(), 3),
    });
    expect(badCode.status).to.equal(400);
    expect(badCode.body.errors).to.have.keys('code');
    expect((await status()).totp_enabled).to.equal(false);

    const confirm = await post('mfa/totp/confirm/', {
      code: totpCode(setup.body.secret, clock.now()),
    });
    expect(confirm.status).to.equal(200);
    expect(confirm.body.recovery_codes).to.have.length(10);
    expect(new Set(confirm.body.recovery_codes).size).to.equal(10);
    for (const code of confirm.body.recovery_codes)
      expect(code).to.match(/^[a-z2-9]{5}-[a-z2-9]{5}$/);
    expect(await status()).to.deep.equal({ totp_enabled: true, recovery_codes_remaining: 10 });
    expect(await actions()).to.include('mfa_enabled');
    expect(testApp.mailer.last('mfa_enabled')?.to).to.equal(user.email);

    // Once on, a second setup cannot replace the working secret.
    const again = await post('mfa/totp/setup/', { password: STRONG_PASSWORD });
    expect(again.status).to.equal(400);
    expect(again.body.errors).to.have.keys('non_field_errors');
  });

  it('stores the secret sealed and the recovery codes hashed, never in clear', async () => {
    const { secret, recoveryCodes } = await enableTotp(testApp, user.access, clock);
    const [credential] = await testApp.deps.database.sequelize.query<{ secret_sealed: string }>(
      'SELECT secret_sealed FROM totp_credentials WHERE user_id = $1',
      { bind: [user.id], type: QueryTypes.SELECT },
    );
    expect(credential!.secret_sealed).to.match(/^v1\./);
    expect(credential!.secret_sealed).to.not.include(secret);
    const hashes = await testApp.deps.database.sequelize.query<{ code_hash: string }>(
      'SELECT code_hash FROM recovery_codes WHERE user_id = $1',
      { bind: [user.id], type: QueryTypes.SELECT },
    );
    expect(hashes).to.have.length(10);
    const stored = hashes.map((row) => row.code_hash).join(' ');
    for (const code of recoveryCodes) {
      expect(stored).to.not.include(code);
      expect(stored).to.not.include(code.replace('-', ''));
    }
  });

  it('refuses codes of the wrong length or with letters with errors.code, before any check', async () => {
    await post('mfa/totp/setup/', { password: STRONG_PASSWORD });
    for (const code of ['12345', '1234567', '12a456', '', 'abcdef']) {
      const response = await post('mfa/totp/confirm/', { code });
      expect(response.status, code).to.equal(400);
      expect(response.body.code).to.equal('VALIDATION_ERROR');
      expect(response.body.errors, code).to.have.keys('code');
    }
  });

  it('accepts a code one step early or late, not two', async () => {
    const setup = await post('mfa/totp/setup/', { password: STRONG_PASSWORD });
    const secret = setup.body.secret as string;
    for (const steps of [2, -2]) {
      const response = await post('mfa/totp/confirm/', {
        code: totpCode(secret, clock.now(), steps),
      });
      expect(response.status, `${steps} steps`).to.equal(400);
    }
    const late = await post('mfa/totp/confirm/', { code: totpCode(secret, clock.now(), -1) });
    expect(late.status).to.equal(200);
  });

  it('disables only with the password and a right code, and tells the owner', async () => {
    const { secret } = await enableTotp(testApp, user.access, clock);
    const wrongPassword = await post('mfa/totp/disable/', {
      password: 'Not-My-Password-1',
      code: totpCode(secret, clock.now()),
    });
    expect(wrongPassword.status).to.equal(400);
    expect(wrongPassword.body.errors).to.have.keys('password');
    const wrongCode = await post('mfa/totp/disable/', {
      password: STRONG_PASSWORD,
      code: totpCode(secret, clock.now(), 5),
    });
    expect(wrongCode.status).to.equal(400);
    expect(wrongCode.body.errors).to.have.keys('code');
    expect((await status()).totp_enabled).to.equal(true);

    const disabled = await post('mfa/totp/disable/', {
      password: STRONG_PASSWORD,
      code: totpCode(secret, clock.now()),
    });
    expect(disabled.status).to.equal(200);
    expect(await status()).to.deep.equal({ totp_enabled: false, recovery_codes_remaining: 0 });
    expect(await actions()).to.include('mfa_disabled');
    expect(testApp.mailer.last('mfa_disabled')?.to).to.equal(user.email);
  });

  it('refuses a code a second time within its step (replay), and an older code after a newer one', async () => {
    const setup = await post('mfa/totp/setup/', { password: STRONG_PASSWORD });
    const secret = setup.body.secret as string;
    const code = totpCode(secret, clock.now());
    expect((await post('mfa/totp/confirm/', { code })).status).to.equal(200);
    const disable = (code: string) =>
      post('mfa/totp/disable/', { password: STRONG_PASSWORD, code });

    const replay = await disable(code);
    expect(replay.status).to.equal(400);
    expect(replay.body.errors).to.have.keys('code');
    // The previous step's code is still inside the drift window, but older than the last one used.
    expect((await disable(totpCode(secret, clock.now(), -1))).status).to.equal(400);
    expect((await status()).totp_enabled).to.equal(true);
    // The next step's code is new: accepted (one step of drift).
    expect((await disable(totpCode(secret, clock.now(), 1))).status).to.equal(200);
  });

  it('accepts each recovery code once, in any letter case, and a new set kills the old', async () => {
    const { recoveryCodes } = await enableTotp(testApp, user.access, clock);
    const regenerated = await post('mfa/recovery-codes/', { password: STRONG_PASSWORD });
    expect(regenerated.status).to.equal(200);
    expect(regenerated.body.recovery_codes).to.have.length(10);
    expect(await actions()).to.include('recovery_codes_regenerated');
    const oldCode = await post('mfa/totp/disable/', {
      password: STRONG_PASSWORD,
      code: recoveryCodes[0],
    });
    expect(oldCode.status).to.equal(400);

    const fresh = regenerated.body.recovery_codes as string[];
    const wrongPassword = await post('mfa/recovery-codes/', { password: 'Not-My-Password-1' });
    expect(wrongPassword.status).to.equal(400);
    expect(wrongPassword.body.errors).to.have.keys('password');
    const disabled = await post('mfa/totp/disable/', {
      password: STRONG_PASSWORD,
      code: fresh[1]!.toUpperCase(),
    });
    expect(disabled.status).to.equal(200);
  });

  it('lets exactly one of two parallel confirmations with the same code turn TOTP on', async () => {
    const setup = await post('mfa/totp/setup/', { password: STRONG_PASSWORD });
    const code = totpCode(setup.body.secret, clock.now());
    const answers = await Promise.all([1, 2, 3].map(() => post('mfa/totp/confirm/', { code })));
    expect(answers.map((answer) => answer.status).sort()).to.deep.equal([200, 400, 400]);
    expect((await status()).recovery_codes_remaining).to.equal(10);
  });

  it('serves the same procedures over tRPC', async () => {
    const caller = testApp.caller({ authorization: `Bearer ${user.access}` });
    expect(await caller.mfa.status()).to.deep.equal({
      totp_enabled: false,
      recovery_codes_remaining: 0,
    });
    const { secret } = await caller.mfa.totpSetup({ password: STRONG_PASSWORD });
    const bad = await appErrorOf(caller.mfa.totpConfirm({ code: '12x456' }));
    expect(bad.code).to.equal('VALIDATION_ERROR');
    expect(bad.fieldErrors).to.have.keys('code');
    const { recovery_codes } = await caller.mfa.totpConfirm({
      code: totpCode(secret, clock.now()),
    });
    expect(recovery_codes).to.have.length(10);
    expect(
      (await caller.mfa.recoveryCodes({ password: STRONG_PASSWORD })).recovery_codes,
    ).to.have.length(10);
    clock.advanceSeconds(30);
    await caller.mfa.totpDisable({
      password: STRONG_PASSWORD,
      code: totpCode(secret, clock.now()),
    });
    expect((await caller.mfa.status()).totp_enabled).to.equal(false);
  });

  it('asks for a token', async () => {
    const response = await testApp.http().get('/api/auth/mfa/');
    expect(response.status).to.equal(401);
    expect(response.body.code).to.equal('NOT_AUTHENTICATED');
  });
});
