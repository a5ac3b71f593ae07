/**
 * What one attacker with a free account can make a password check cost: every procedure that
 * checks a password shares the account's lock and has its own per-IP and per-account limits,
 * the lock holds however the attempts arrive, and no request asks for more than one hash.
 */
import { expect } from 'chai';
import type { Response } from 'supertest';
import { bearer, type TestApp } from '../helpers/app.js';
import { registerUser, STRONG_PASSWORD, uniqueEmail } from '../helpers/factories.js';
import { countPasswordChecks, closeLimitedApps, createLimitedApp } from '../helpers/rate-limit.js';
import { userRow } from '../helpers/inspect.js';
import { testEnvironment } from '../setup.js';

const NEW_PASSWORD = 'Another-Quiet-Meadow-42';

const loginOver = (testApp: TestApp, email: string, password: string) =>
  testApp.http().post('/api/auth/login/').send({ email, password });

const changeOver = (testApp: TestApp, access: string, current: string) =>
  testApp.http().post('/api/auth/change-password/').set(bearer(access)).send({
    current_password: current,
    new_password: NEW_PASSWORD,
    new_password_confirm: NEW_PASSWORD,
  });

/** A raw tRPC batch (POST, superjson), as httpBatchLink sends it. */
function trpcBatch(testApp: TestApp, calls: Array<{ path: string; input?: unknown }>) {
  const body = Object.fromEntries(calls.map((call, index) => [index, { json: call.input }]));
  return testApp
    .http()
    .post(`/trpc/${calls.map((call) => call.path).join(',')}?batch=1`)
    .set('Content-Type', 'application/json')
    .send(body);
}

const statusesOf = (responses: Response[]) => responses.map((response) => response.status);
const count = (statuses: number[], status: number) => statuses.filter((s) => s === status).length;

describe('tRPC batches', function () {
  this.timeout(20_000);
  afterEach(closeLimitedApps);

  it('refuses a batch longer than TRPC_MAX_BATCH_SIZE whole with a 400, before any call runs', async () => {
    const testApp = await createLimitedApp({ TRPC_MAX_BATCH_SIZE: '3' });
    const emails = Array.from({ length: 4 }, () => uniqueEmail('batched'));
    const response = await trpcBatch(
      testApp,
      emails.map((email) => ({
        path: 'auth.forgotPassword',
        input: { email },
      })),
    );
    expect(response.status).to.equal(400);
    expect(response.text).to.match(/exceeds maximum size/);
    // JSON like every other tRPC error (tRPC's adapter said text/plain), carrying the code.
    expect(response.headers['content-type']).to.match(/^application\/json/);
    expect(JSON.parse(response.text).error.json.data.appCode).to.equal('VALIDATION_ERROR');
    expect(testApp.mailer.sent, 'no call of the batch ran').to.have.length(0);
  });

  it('refuses a batch of a thousand reads at the default limit of 10 at once', async () => {
    const testApp = await createLimitedApp();
    const user = await registerUser(testApp);
    const paths = Array.from({ length: 1000 }, () => 'profile.get').join(',');
    const input = encodeURIComponent(JSON.stringify({}));
    const response = await testApp
      .http()
      .get(`/trpc/${paths}?batch=1&input=${input}`)
      .set(bearer(user.access));
    expect(response.status).to.equal(400);

    const ten = await testApp
      .http()
      .get(
        `/trpc/${Array.from({ length: 10 }, () => 'profile.get').join(',')}?batch=1&input=${input}`,
      )
      .set(bearer(user.access));
    expect(ten.status).to.equal(200);
    expect(ten.body).to.have.length(10);
  });

  it('refuses a batch holding two calls that hash a password whole, with no hash run', async () => {
    const testApp = await createLimitedApp();
    const user = await registerUser(testApp);
    const counter = countPasswordChecks(testApp);
    const response = await trpcBatch(testApp, [
      { path: 'auth.login', input: { email: user.email, password: 'wrong-guess-1' } },
      { path: 'auth.login', input: { email: user.email, password: STRONG_PASSWORD } },
    ]);
    expect(response.status).to.equal(400);
    const errors = (
      JSON.parse(response.text) as Array<{ error: { json: { data: { appCode: string } } } }>
    ).map((item) => item.error.json.data.appCode);
    expect(errors).to.deep.equal(['VALIDATION_ERROR', 'VALIDATION_ERROR']);
    expect(counter.checks).to.equal(0);

    // The same with a change of password beside a login, or two registrations.
    const mixed = await trpcBatch(testApp, [
      { path: 'auth.login', input: { email: user.email, password: STRONG_PASSWORD } },
      {
        path: 'auth.register',
        input: {
          email: uniqueEmail(),
          full_name: 'Batch',
          password: STRONG_PASSWORD,
          password_confirm: STRONG_PASSWORD,
        },
      },
    ]);
    expect(mixed.status).to.equal(400);
    expect(counter.checks).to.equal(0);

    // One hashing call beside reads is fine.
    const one = await trpcBatch(testApp, [
      { path: 'auth.login', input: { email: user.email, password: STRONG_PASSWORD } },
      { path: 'auth.forgotPassword', input: { email: uniqueEmail() } },
    ]);
    expect(one.status).to.equal(200);
  });
});

describe('checks of a password', function () {
  this.timeout(30_000);
  afterEach(closeLimitedApps);

  const LOCKOUT = {
    RATE_LIMIT_LOGIN_ACCOUNT_FAILURES: '10',
    RATE_LIMIT_LOGIN_ACCOUNT_WINDOW: '60',
    RATE_LIMIT_LOGIN_ACCOUNT_MAX_LOCK: '120',
  };

  it('run at most RATE_LIMIT_LOGIN_ACCOUNT_FAILURES times for 25 wrong passwords sent at once', async () => {
    const testApp = await createLimitedApp(LOCKOUT);
    const user = await registerUser(testApp);
    const counter = countPasswordChecks(testApp);
    const statuses = statusesOf(
      await Promise.all(
        Array.from({ length: 25 }, (_, index) => loginOver(testApp, user.email, `wrong-${index}`)),
      ),
    );
    expect(counter.checks).to.equal(10);
    expect(count(statuses, 401)).to.equal(10);
    expect(count(statuses, 429)).to.equal(15);
    // The owner, too, waits out the lock.
    expect((await loginOver(testApp, user.email, user.password)).status).to.equal(429);
  });

  it('run at most the burst across two instances on one Redis', async function () {
    if (!testEnvironment().redisUrl) this.skip();
    const first = await createLimitedApp(LOCKOUT);
    const second = await createLimitedApp(LOCKOUT);
    const user = await registerUser(first);
    const counters = [countPasswordChecks(first), countPasswordChecks(second)];
    const statuses = statusesOf(
      await Promise.all(
        Array.from({ length: 25 }, (_, index) =>
          loginOver(index % 2 ? first : second, user.email, `wrong-${index}`),
        ),
      ),
    );
    expect(counters[0]!.checks + counters[1]!.checks).to.equal(10);
    expect(count(statuses, 429)).to.equal(15);
  });

  it('count a wrong current password at change-password toward the account lock', async () => {
    const testApp = await createLimitedApp({ ...LOCKOUT, RATE_LIMIT_LOGIN_ACCOUNT_FAILURES: '3' });
    const user = await registerUser(testApp);
    expect((await loginOver(testApp, user.email, 'wrong-1')).status).to.equal(401);
    expect((await changeOver(testApp, user.access, 'wrong-2')).status).to.equal(400);
    expect((await changeOver(testApp, user.access, 'wrong-3')).status).to.equal(400);
    const counter = countPasswordChecks(testApp);
    // Locked now: the right password is refused at login and at change-password, unchecked.
    expect((await loginOver(testApp, user.email, user.password)).status).to.equal(429);
    const change = await changeOver(testApp, user.access, user.password);
    expect(change.status).to.equal(429);
    expect(change.body.code).to.equal('RATE_LIMITED');
    expect(change.headers['retry-after']).to.match(/^\d+$/);
    expect(counter.checks).to.equal(0);
    expect((await userRow(testApp, user.email)).passwordHash).to.be.a('string');
  });

  it('at change-password are limited per IP and per account, over REST and tRPC together', async () => {
    const testApp = await createLimitedApp({
      RATE_LIMIT_PASSWORD_CHECK_IP: '5/60',
      RATE_LIMIT_PASSWORD_CHECK_ACCOUNT: '3/60',
    });
    const user = await registerUser(testApp);
    const other = await registerUser(testApp);
    const viaTrpc = (access: string) =>
      testApp
        .http()
        .post('/trpc/auth.changePassword')
        .set(bearer(access))
        .send({
          json: {
            current_password: 'wrong-1',
            new_password: NEW_PASSWORD,
            new_password_confirm: NEW_PASSWORD,
          },
        });
    expect((await changeOver(testApp, user.access, 'wrong-1')).status).to.equal(400);
    expect((await viaTrpc(user.access)).status).to.equal(400);
    expect((await changeOver(testApp, user.access, 'wrong-1')).status).to.equal(400);
    const perAccount = await viaTrpc(user.access);
    expect(perAccount.status).to.equal(429);
    expect(perAccount.headers['ratelimit-policy']).to.equal('3;w=60');

    // The other account still has its own budget, until the IP's is spent (5 in all).
    expect((await changeOver(testApp, other.access, 'wrong-1')).status).to.equal(400);
    const perIp = await changeOver(testApp, other.access, 'wrong-1');
    expect(perIp.status).to.equal(429);
    expect(perIp.headers['ratelimit-policy']).to.equal('5;w=60');
  });
});
