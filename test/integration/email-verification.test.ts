/**
 * Email verification over REST (and tRPC): the welcome link verifies once, expires, is replaced
 * by a resend, and REQUIRE_EMAIL_VERIFICATION keeps unverified accounts out until they verify.
 */
import { expect } from 'chai';
import { bearer, createTestApp, type TestApp } from '../helpers/app.js';
import { ManualClock } from '../helpers/clock.js';
import { registerUser, STRONG_PASSWORD } from '../helpers/factories.js';
import { models } from '../helpers/inspect.js';

describe('verify-email/ and resend-verification/', () => {
  let testApp: TestApp;
  let clock: ManualClock;
  beforeEach(async () => {
    clock = new ManualClock();
    testApp = await createTestApp({ overrides: { clock } });
  });

  const verify = (token: unknown) => testApp.http().post('/api/auth/verify-email/').send({ token });
  const resend = (access: string) =>
    testApp.http().post('/api/auth/resend-verification/').set(bearer(access)).send();
  const profile = async (access: string) =>
    (await testApp.http().get('/api/auth/profile/').set(bearer(access))).body;

  it('verifies the account with the link from the welcome email, once', async () => {
    const user = await registerUser(testApp, { full_name: 'Ada Lovelace' });
    const welcome = testApp.mailer.last('welcome')!;
    expect(welcome.to).to.equal(user.email);
    expect(welcome.verifyUrl).to.match(/^http:\/\/frontend\.test\/verify-email\?token=[\w-]{43}$/);
    expect(welcome.verifyExpiresInHours).to.equal(72);

    const token = testApp.mailer.verificationTokenFor(user.email)!;
    const first = await verify(token);
    expect(first.status, JSON.stringify(first.body)).to.equal(200);
    expect(first.body).to.deep.equal({ message: 'Email verified successfully.' });
    expect((await profile(user.access)).is_verified).to.equal(true);

    const actions = await models(testApp).ActivityLog.findAll({ where: { userId: user.id } });
    expect(actions.map((entry) => entry.action)).to.include('email_verified');
    expect(testApp.mailer.last('email_verified')).to.deep.include({ to: user.email });

    const second = await verify(token);
    expect(second.status).to.equal(400);
    expect(second.body).to.include({ code: 'VALIDATION_ERROR' });
    expect(second.body.errors).to.deep.equal({ token: ['Invalid or expired token.'] });
    expect(testApp.mailer.sent.filter((email) => email.kind === 'email_verified')).to.have.length(
      1,
    );
  });

  it('stores only a hash of the token', async () => {
    const user = await registerUser(testApp);
    const token = testApp.mailer.verificationTokenFor(user.email)!;
    const rows = await models(testApp).EmailVerificationToken.findAll({ raw: true });
    expect(rows).to.have.length(1);
    expect(rows[0]!.tokenHash).to.match(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(rows)).to.not.include(token);
  });

  it('refuses an expired link and leaves the account unverified', async () => {
    const user = await registerUser(testApp);
    const token = testApp.mailer.verificationTokenFor(user.email)!;
    clock.advanceSeconds(3 * 24 * 3600 + 1);
    const response = await verify(token);
    expect(response.status).to.equal(400);
    expect(response.body.errors).to.deep.equal({ token: ['Invalid or expired token.'] });
    const row = await models(testApp).User.findByPk(user.id, { raw: true });
    expect(row!.isVerified).to.equal(false);
  });

  it('accepts a link until EMAIL_VERIFICATION_TIMEOUT has passed', async () => {
    testApp = await createTestApp({
      env: { EMAIL_VERIFICATION_TIMEOUT: '600' },
      overrides: { clock },
    });
    const user = await registerUser(testApp);
    expect(testApp.mailer.last('welcome')!.verifyExpiresInHours).to.equal(1);
    clock.advanceSeconds(590);
    expect((await verify(testApp.mailer.verificationTokenFor(user.email))).status).to.equal(200);
  });

  it('refuses an unknown, malformed or missing token', async () => {
    for (const token of ['not-a-real-token', '   ']) {
      const response = await verify(token);
      expect(response.status, token).to.equal(400);
      expect(response.body.code).to.equal('VALIDATION_ERROR');
      expect(response.body.errors).to.have.property('token');
    }
    const missing = await testApp.http().post('/api/auth/verify-email/').send({});
    expect(missing.status).to.equal(400);
    expect(missing.body.errors).to.deep.equal({ token: ['This field is required.'] });
  });

  it('serves the same procedures over tRPC', async () => {
    const user = await registerUser(testApp);
    const caller = testApp.caller();
    const token = testApp.mailer.verificationTokenFor(user.email)!;
    expect(await caller.auth.verifyEmail({ token })).to.deep.equal({
      message: 'Email verified successfully.',
    });
    const other = await registerUser(testApp);
    const result = await testApp
      .caller({ authorization: `Bearer ${other.access}` })
      .auth.resendVerification();
    expect(result).to.deep.equal({ message: 'Verification email sent.' });
  });

  it('resends a fresh link, and the earlier one stops working', async () => {
    const user = await registerUser(testApp, { full_name: 'Mary Somerville' });
    const oldToken = testApp.mailer.verificationTokenFor(user.email)!;
    const response = await resend(user.access);
    expect(response.status, JSON.stringify(response.body)).to.equal(200);
    expect(response.body).to.deep.equal({ message: 'Verification email sent.' });
    const sent = testApp.mailer.last('email_verification')!;
    expect(sent).to.deep.include({ to: user.email });
    const newToken = testApp.mailer.verificationTokenFor(user.email)!;
    expect(newToken).to.not.equal(oldToken);

    expect((await verify(oldToken)).status).to.equal(400);
    expect((await verify(newToken)).status).to.equal(200);
  });

  it('limits resends per account and says when to try again', async () => {
    testApp = await createTestApp({
      env: { VERIFICATION_RESEND_LIMIT: '2', VERIFICATION_RESEND_WINDOW: '600' },
      overrides: { clock },
    });
    const user = await registerUser(testApp);
    const other = await registerUser(testApp);
    expect((await resend(user.access)).status).to.equal(200);
    clock.advanceSeconds(100);
    expect((await resend(user.access)).status).to.equal(200);
    const limited = await resend(user.access);
    expect(limited.status).to.equal(429);
    expect(limited.body.code).to.equal('RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).to.be.within(490, 500);
    expect(
      testApp.mailer.sent.filter((email) => email.kind === 'email_verification'),
    ).to.have.length(2);
    expect((await resend(other.access)).status, 'another account is not limited').to.equal(200);
  });

  it('answers 400 to a resend for an account that is already verified', async () => {
    const user = await registerUser(testApp);
    await verify(testApp.mailer.verificationTokenFor(user.email));
    const response = await resend(user.access);
    expect(response.status).to.equal(400);
    expect(response.body).to.deep.include({
      detail: 'Your email address is already verified.',
      code: 'VALIDATION_ERROR',
    });
  });

  it('requires a token to resend', async () => {
    const response = await testApp.http().post('/api/auth/resend-verification/').send();
    expect(response.status).to.equal(401);
    expect(response.body.code).to.equal('NOT_AUTHENTICATED');
  });
});

describe('REQUIRE_EMAIL_VERIFICATION', () => {
  const login = (testApp: TestApp, email: string, password: string) =>
    testApp.http().post('/api/auth/login/').send({ email, password });

  it('lets unverified accounts log in when off (the default)', async () => {
    const testApp = await createTestApp();
    const user = await registerUser(testApp);
    expect((await login(testApp, user.email, user.password)).status).to.equal(200);
  });

  it('keeps an unverified account out with its own code until it verifies', async () => {
    const testApp = await createTestApp({ env: { REQUIRE_EMAIL_VERIFICATION: 'true' } });
    const user = await registerUser(testApp);

    const refused = await login(testApp, user.email, user.password);
    expect(refused.status).to.equal(401);
    expect(refused.body).to.deep.equal({
      detail: 'Verify your email address before logging in.',
      code: 'EMAIL_NOT_VERIFIED',
    });
    expect(refused.headers['www-authenticate']).to.match(/^Bearer/);

    // Without the right password the answer is the usual one: nothing is revealed.
    const wrong = await login(testApp, user.email, `${STRONG_PASSWORD}-wrong`);
    expect(wrong.status).to.equal(401);
    expect(wrong.body.code).to.equal('AUTHENTICATION_FAILED');

    const token = testApp.mailer.verificationTokenFor(user.email)!;
    expect((await testApp.http().post('/api/auth/verify-email/').send({ token })).status).to.equal(
      200,
    );
    const allowed = await login(testApp, user.email, user.password);
    expect(allowed.status, JSON.stringify(allowed.body)).to.equal(200);
    expect(allowed.body.user.is_verified).to.equal(true);
  });
});
