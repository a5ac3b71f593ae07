/**
 * However a password is set (change-password, a reset; the CLI in cli.test.ts), every outstanding
 * reset token of the account dies with the old password, and a password set meanwhile is never
 * overwritten by a change that was checked against the old one.
 */
import { expect } from 'chai';
import { ScryptPasswordHasher } from '../../server/lib/password-hasher.js';
import { bearer, createTestApp, TEST_SCRYPT, type TestApp } from '../helpers/app.js';
import { registerUser, STRONG_PASSWORD, type RegisteredUser } from '../helpers/factories.js';
import { appErrorOf } from '../helpers/inspect.js';

const CHANGED = 'Fresh-Passphrase-2026';
const RESET = 'Mailbox-Owner-Passphrase-7';
const TOKEN_REFUSED = { token: ['Invalid or expired token.'] };

/**
 * The real hasher, except that hashing `password` finishes only when the test says so: a
 * request is held between checking the old password and writing the new one.
 */
function holdingHasher(password: string) {
  const hasher = new ScryptPasswordHasher(TEST_SCRYPT, { concurrency: 2, queueLimit: 1000 });
  let release!: () => void;
  let signalHeld!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const held = new Promise<void>((resolve) => (signalHeld = resolve));
  const hash = hasher.hash.bind(hasher);
  hasher.hash = async (candidate: string) => {
    const result = await hash(candidate);
    if (candidate === password) {
      signalHeld();
      await released;
    }
    return result;
  };
  return { hasher, held, release };
}

describe('setting a password ends outstanding reset tokens', () => {
  let testApp: TestApp;
  let user: RegisteredUser;

  async function start(hasher?: ScryptPasswordHasher) {
    testApp = await createTestApp(hasher ? { overrides: { hasher } } : {});
    user = await registerUser(testApp);
  }

  const forgot = () =>
    testApp.http().post('/api/auth/forgot-password/').send({ email: user.email });
  async function resetToken() {
    expect((await forgot()).status).to.equal(200);
    return testApp.mailer.resetTokenFor(user.email)!;
  }
  const reset = (token: string, password = RESET) =>
    testApp
      .http()
      .post('/api/auth/reset-password/')
      .send({ token, password, password_confirm: password });
  const change = (access: string, from = STRONG_PASSWORD) =>
    testApp.http().post('/api/auth/change-password/').set(bearer(access)).send({
      current_password: from,
      new_password: CHANGED,
      new_password_confirm: CHANGED,
    });
  const loginStatus = async (password: string) =>
    (await testApp.http().post('/api/auth/login/').send({ email: user.email, password })).status;

  it('a password change ends every reset token asked for before it', async () => {
    await start();
    const token = await resetToken();
    expect((await change(user.access)).status).to.equal(200);

    const refused = await reset(token);
    expect(refused.status).to.equal(400);
    expect(refused.body.errors).to.deep.equal(TOKEN_REFUSED);
    expect(await loginStatus(CHANGED)).to.equal(200);
    // A token asked for after the change works.
    expect((await reset(await resetToken())).status).to.equal(200);
  });

  it('a password change over tRPC does the same', async () => {
    await start();
    await testApp.caller().auth.forgotPassword({ email: user.email });
    const token = testApp.mailer.resetTokenFor(user.email)!;
    await testApp.caller({ authorization: `Bearer ${user.access}` }).auth.changePassword({
      current_password: STRONG_PASSWORD,
      new_password: CHANGED,
      new_password_confirm: CHANGED,
    });
    const refused = await appErrorOf(
      testApp.caller().auth.resetPassword({ token, password: RESET, password_confirm: RESET }),
    );
    expect(refused.code).to.equal('VALIDATION_ERROR');
    expect(refused.fieldErrors).to.deep.equal(TOKEN_REFUSED);
    expect(await loginStatus(CHANGED)).to.equal(200);
  });

  it('a reset that lands while a change is being checked wins; the change is refused', async () => {
    const holding = holdingHasher(CHANGED);
    await start(holding.hasher);
    const token = await resetToken();
    // The change has checked the current password and is hashing the new one...
    const changing = change(user.access).then((response) => response); // sent now
    await holding.held;
    // ...when the mailbox owner resets the password.
    expect((await reset(token)).status).to.equal(200);
    holding.release();

    // The password it was checked against is no longer the current one.
    const refused = await changing;
    expect(refused.status).to.equal(400);
    expect(refused.body.errors).to.deep.equal({
      current_password: ['Current password is incorrect.'],
    });
    expect(await loginStatus(RESET)).to.equal(200);
    expect(await loginStatus(CHANGED)).to.equal(401);
  });

  it('a change that lands while a reset is being checked wins; the reset token is refused', async () => {
    const holding = holdingHasher(RESET);
    await start(holding.hasher);
    const token = await resetToken();
    // The reset has checked its token and is hashing the new password...
    const resetting = reset(token).then((response) => response); // sent now
    await holding.held;
    // ...when the password is changed by someone who knows it.
    expect((await change(user.access)).status).to.equal(200);
    holding.release();

    const refused = await resetting;
    expect(refused.status).to.equal(400);
    expect(refused.body.errors).to.deep.equal(TOKEN_REFUSED);
    expect(await loginStatus(CHANGED)).to.equal(200);
    expect(await loginStatus(RESET)).to.equal(401);
  });
});
