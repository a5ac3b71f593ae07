/**
 * Per-account limits: failed logins (a burst, then locks that double), password-reset requests
 * per email. A lock costs the attacker every further guess but never the owner's way back in.
 */
import { expect } from 'chai';
import type { Response } from 'supertest';
import { toAppError } from '../../server/trpc/error-mapping.js';
import type { TestApp } from '../helpers/app.js';
import { registerUser, STRONG_PASSWORD, uniqueEmail } from '../helpers/factories.js';
import {
  closeLimitedApps,
  countPasswordChecks,
  createLimitedApp,
  testWindowSeconds,
  waitOut,
} from '../helpers/rate-limit.js';

const NEW_PASSWORD = 'Another-Quiet-Meadow-42';

function expectLocked(response: Response, failures: number) {
  expect(response.status, JSON.stringify(response.body)).to.equal(429);
  expect(response.body.code).to.equal('RATE_LIMITED');
  expect(Number(response.headers['retry-after'])).to.be.at.least(1);
  expect(response.headers['ratelimit-limit']).to.equal(String(failures));
  expect(response.headers['ratelimit-remaining']).to.equal('0');
}

describe('failed-login lockout per account', function () {
  this.timeout(20_000);
  afterEach(closeLimitedApps);

  /** Three failures, then locks of one window (helpers/rate-limit.ts), then two, ... */
  const lockout = () => ({
    RATE_LIMIT_LOGIN_ACCOUNT_FAILURES: '3',
    RATE_LIMIT_LOGIN_ACCOUNT_WINDOW: String(testWindowSeconds()),
    RATE_LIMIT_LOGIN_ACCOUNT_MAX_LOCK: String(testWindowSeconds() * 30),
  });
  const login = (testApp: TestApp, email: string, password: string) =>
    testApp.http().post('/api/auth/login/').send({ email, password });

  it('locks the account after the configured failures: even the right password gets 429, with no password check', async () => {
    const testApp = await createLimitedApp(lockout());
    const user = await registerUser(testApp);
    const other = await registerUser(testApp);
    const counter = countPasswordChecks(testApp);

    for (let attempt = 1; attempt <= 3; attempt += 1) {
      expect((await login(testApp, user.email, 'wrong-password-1')).status).to.equal(401);
    }
    expect(counter.checks).to.equal(3);
    const locked = await login(testApp, user.email, user.password);
    expectLocked(locked, 3);
    expect(Number(locked.headers['retry-after'])).to.be.within(1, testWindowSeconds());
    // Any spelling of the email is the same account.
    expectLocked(await login(testApp, `  ${user.email.toUpperCase()} `, user.password), 3);
    expect(counter.checks, 'a locked account costs no password check').to.equal(3);

    // Other accounts, from the same IP, are not affected.
    expect((await login(testApp, other.email, other.password)).status).to.equal(200);
  });

  it('releases the lock after the window; the next lock lasts twice as long', async () => {
    const testApp = await createLimitedApp(lockout());
    const user = await registerUser(testApp);
    for (let attempt = 1; attempt <= 3; attempt += 1) await login(testApp, user.email, 'wrong-1');
    const first = await login(testApp, user.email, 'wrong-1');
    expectLocked(first, 3);

    await waitOut(first.headers['retry-after']);
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      expect((await login(testApp, user.email, 'wrong-1')).status).to.equal(401);
    }
    const second = await login(testApp, user.email, user.password);
    expectLocked(second, 3);
    expect(Number(second.headers['retry-after'])).to.equal(2 * testWindowSeconds());
  });

  it('starts the count again after a successful login', async () => {
    const testApp = await createLimitedApp(lockout());
    const user = await registerUser(testApp);
    await login(testApp, user.email, 'wrong-1');
    await login(testApp, user.email, 'wrong-2');
    expect((await login(testApp, user.email, user.password)).status).to.equal(200);
    // Two more failures would have made four: still not locked.
    await login(testApp, user.email, 'wrong-3');
    await login(testApp, user.email, 'wrong-4');
    expect((await login(testApp, user.email, user.password)).status).to.equal(200);
  });

  it('counts failures for unknown emails too, so a lock does not reveal whether an account exists', async () => {
    const testApp = await createLimitedApp(lockout());
    const email = uniqueEmail('nobody');
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      expect((await login(testApp, email, 'wrong-1')).status).to.equal(401);
    }
    expectLocked(await login(testApp, email, 'wrong-1'), 3);
  });

  it('counts failures over tRPC and REST together', async () => {
    const testApp = await createLimitedApp(lockout());
    const user = await registerUser(testApp);
    const viaCaller = () =>
      testApp
        .caller({ ip: '198.51.100.20' })
        .auth.login({ email: user.email, password: 'wrong-1' })
        .then(
          () => null,
          (error: unknown) => toAppError(error).code,
        );
    expect(await viaCaller()).to.equal('AUTHENTICATION_FAILED');
    expect((await login(testApp, user.email, 'wrong-1')).status).to.equal(401);
    expect(await viaCaller()).to.equal('AUTHENTICATION_FAILED');
    expect(await viaCaller()).to.equal('RATE_LIMITED');
    expectLocked(await login(testApp, user.email, user.password), 3);
  });

  it('still lets the owner of a locked account reset the password, and then log in at once', async () => {
    const testApp = await createLimitedApp({ ...lockout(), RATE_LIMIT_LOGIN_ACCOUNT_WINDOW: '60' });
    const user = await registerUser(testApp);
    for (let attempt = 1; attempt <= 3; attempt += 1) await login(testApp, user.email, 'wrong-1');
    expectLocked(await login(testApp, user.email, user.password), 3);

    const forgot = await testApp
      .http()
      .post('/api/auth/forgot-password/')
      .send({ email: user.email });
    expect(forgot.status).to.equal(200);
    const token = testApp.mailer.resetTokenFor(user.email);
    expect(token, 'a reset email').to.be.a('string');
    const reset = await testApp
      .http()
      .post('/api/auth/reset-password/')
      .send({ token, password: NEW_PASSWORD, password_confirm: NEW_PASSWORD });
    expect(reset.status, JSON.stringify(reset.body)).to.equal(200);

    expect((await login(testApp, user.email, NEW_PASSWORD)).status).to.equal(200);
  });
});

describe('password-reset requests per account', function () {
  this.timeout(20_000);
  afterEach(closeLimitedApps);

  const forgot = (testApp: TestApp, email: string) =>
    testApp.http().post('/api/auth/forgot-password/').send({ email });

  it('mails one address at most RATE_LIMIT_PASSWORD_RESET_ACCOUNT times per window, whoever asks', async () => {
    const window = testWindowSeconds();
    const testApp = await createLimitedApp({ RATE_LIMIT_PASSWORD_RESET_ACCOUNT: `2/${window}` });
    const user = await registerUser(testApp, { password: STRONG_PASSWORD });
    expect((await forgot(testApp, user.email)).status).to.equal(200);
    expect((await forgot(testApp, ` ${user.email.toUpperCase()}`)).status).to.equal(200);
    const limited = await forgot(testApp, user.email);
    expect(limited.status).to.equal(429);
    expect(limited.body.code).to.equal('RATE_LIMITED');
    expect(limited.headers['ratelimit-policy']).to.equal(`2;w=${window}`);
    const resetMails = () =>
      testApp.mailer.sent.filter(
        (mail) => mail.kind === 'password_reset' && mail.to === user.email,
      );
    expect(resetMails()).to.have.length(2);

    // Another address is not held back, and an unknown one is limited exactly alike.
    expect((await forgot(testApp, uniqueEmail())).status).to.equal(200);
    const unknown = uniqueEmail('nobody');
    await forgot(testApp, unknown);
    await forgot(testApp, unknown);
    expect((await forgot(testApp, unknown)).status).to.equal(429);

    await waitOut(limited.headers['retry-after']);
    expect((await forgot(testApp, user.email)).status).to.equal(200);
    expect(resetMails()).to.have.length(3);
  });
});
