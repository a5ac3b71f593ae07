/**
 * Per-IP limits on the public auth endpoints: each answers 429 RATE_LIMITED with Retry-After and
 * the IETF RateLimit headers once its configured count is used, serves again after the window,
 * and counts the tRPC and REST formats of a procedure together.
 */
import { expect } from 'chai';
import type { Response } from 'supertest';
import { toAppError } from '../../server/trpc/error-mapping.js';
import { bearer, type TestApp } from '../helpers/app.js';
import { registerUser, STRONG_PASSWORD, uniqueEmail } from '../helpers/factories.js';
import {
  closeLimitedApps,
  createLimitedApp,
  testWindowSeconds,
  waitOut,
} from '../helpers/rate-limit.js';

function expectRateLimited(response: Response, limit: number, windowSeconds: number) {
  expect(response.status, JSON.stringify(response.body)).to.equal(429);
  expect(response.body).to.deep.equal({
    detail: 'Too many requests. Try again later.',
    code: 'RATE_LIMITED',
  });
  const retryAfter = Number(response.headers['retry-after']);
  expect(retryAfter).to.be.within(1, windowSeconds);
  expect(response.headers['ratelimit-limit']).to.equal(String(limit));
  expect(response.headers['ratelimit-remaining']).to.equal('0');
  expect(response.headers['ratelimit-reset']).to.equal(String(retryAfter));
  expect(response.headers['ratelimit-policy']).to.equal(`${limit};w=${windowSeconds}`);
}

interface Endpoint {
  name: string;
  variable: string;
  /** One request, answered normally (not 429) while the limit has room. */
  send: (testApp: TestApp) => Promise<Response>;
  expectedStatus: number;
}

const post = (testApp: TestApp, path: string, body: object = {}) =>
  testApp.http().post(`/api/auth/${path}`).send(body);

const ENDPOINTS: Endpoint[] = [
  {
    name: 'login/',
    variable: 'RATE_LIMIT_LOGIN_IP',
    send: (testApp) => post(testApp, 'login/', { email: uniqueEmail(), password: 'wrong-1234' }),
    expectedStatus: 401,
  },
  {
    name: 'register/',
    variable: 'RATE_LIMIT_REGISTER_IP',
    send: (testApp) =>
      post(testApp, 'register/', {
        email: uniqueEmail(),
        full_name: 'Ada Lovelace',
        password: STRONG_PASSWORD,
        password_confirm: STRONG_PASSWORD,
      }),
    expectedStatus: 201,
  },
  {
    name: 'forgot-password/',
    variable: 'RATE_LIMIT_PASSWORD_RESET_IP',
    send: (testApp) => post(testApp, 'forgot-password/', { email: uniqueEmail() }),
    expectedStatus: 200,
  },
  {
    name: 'reset-password/',
    variable: 'RATE_LIMIT_PASSWORD_RESET_IP',
    send: (testApp) =>
      post(testApp, 'reset-password/', {
        token: 'not-a-token',
        password: STRONG_PASSWORD,
        password_confirm: STRONG_PASSWORD,
      }),
    expectedStatus: 400,
  },
  {
    name: 'refresh/',
    variable: 'RATE_LIMIT_REFRESH_IP',
    send: (testApp) => post(testApp, 'refresh/', { refresh: 'not-a-token' }),
    expectedStatus: 401,
  },
  {
    name: 'verify-email/',
    variable: 'RATE_LIMIT_VERIFY_IP',
    send: (testApp) => post(testApp, 'verify-email/', { token: 'not-a-token' }),
    expectedStatus: 400,
  },
  {
    name: 'resend-verification/ (counted before authentication)',
    variable: 'RATE_LIMIT_VERIFY_IP',
    send: (testApp) => post(testApp, 'resend-verification/'),
    expectedStatus: 401,
  },
];

describe('per-IP rate limits', function () {
  this.timeout(20_000);
  afterEach(closeLimitedApps);

  for (const endpoint of ENDPOINTS) {
    it(`${endpoint.name} answers 429 after ${endpoint.variable} requests and serves again after the window`, async () => {
      const window = testWindowSeconds();
      const testApp = await createLimitedApp({ [endpoint.variable]: `2/${window}` });
      for (let attempt = 1; attempt <= 2; attempt += 1) {
        const response = await endpoint.send(testApp);
        expect(response.status, `attempt ${attempt}: ${JSON.stringify(response.body)}`).to.equal(
          endpoint.expectedStatus,
        );
        expect(response.headers['retry-after']).to.equal(undefined);
      }
      const limited = await endpoint.send(testApp);
      expectRateLimited(limited, 2, window);

      await waitOut(limited.headers['retry-after']);
      expect((await endpoint.send(testApp)).status).to.equal(endpoint.expectedStatus);
    });
  }

  it('gives forgot-password/ and reset-password/ one shared budget per IP', async () => {
    const testApp = await createLimitedApp({ RATE_LIMIT_PASSWORD_RESET_IP: '2/60' });
    expect((await post(testApp, 'forgot-password/', { email: uniqueEmail() })).status).to.equal(
      200,
    );
    expect((await post(testApp, 'reset-password/', { token: 'x' })).status).to.equal(400);
    expectRateLimited(await post(testApp, 'forgot-password/', { email: uniqueEmail() }), 2, 60);
  });

  it('leaves endpoints without a limit alone', async () => {
    const testApp = await createLimitedApp({
      RATE_LIMIT_LOGIN_IP: '1/60',
      RATE_LIMIT_REGISTER_IP: '1/60',
    });
    const user = await registerUser(testApp);
    for (let i = 0; i < 5; i += 1) {
      const response = await testApp.http().get('/api/auth/profile/').set(bearer(user.access));
      expect(response.status).to.equal(200);
    }
  });

  it('counts the tRPC and REST formats of a procedure together; tRPC answers a typed TOO_MANY_REQUESTS with Retry-After', async () => {
    const testApp = await createLimitedApp({ RATE_LIMIT_LOGIN_IP: '3/60' });
    const trpcLogin = () =>
      testApp
        .http()
        .post('/trpc/auth.login')
        .send({ json: { email: uniqueEmail(), password: 'wrong-1234' } });

    expect(
      (await post(testApp, 'login/', { email: uniqueEmail(), password: 'x' })).status,
    ).to.equal(401);
    expect((await trpcLogin()).status).to.equal(401);
    const fromCaller = await testApp
      .caller()
      .auth.login({ email: uniqueEmail(), password: 'wrong-1234' })
      .then(
        () => null,
        (error: unknown) => error,
      );
    expect(toAppError(fromCaller).code).to.equal('AUTHENTICATION_FAILED');

    const limited = await trpcLogin();
    expect(limited.status).to.equal(429);
    const error = limited.body.error.json;
    expect(error.data).to.include({ code: 'TOO_MANY_REQUESTS', appCode: 'RATE_LIMITED' });
    expect(error.data.httpStatus).to.equal(429);
    expect(error.data.retryAfter).to.be.within(1, 60);
    expect(limited.headers['retry-after']).to.equal(String(error.data.retryAfter));
    expect(limited.headers['ratelimit-limit']).to.equal('3');
    expect(limited.headers['ratelimit-remaining']).to.equal('0');

    const callerError = await testApp
      .caller()
      .auth.login({ email: uniqueEmail(), password: 'wrong-1234' })
      .then(
        () => null,
        (failure: unknown) => failure,
      );
    expect(callerError).to.have.property('code', 'TOO_MANY_REQUESTS');
    expect(toAppError(callerError).retryAfterSeconds).to.be.within(1, 60);
    expectRateLimited(
      await post(testApp, 'login/', { email: uniqueEmail(), password: 'x' }),
      3,
      60,
    );
  });

  it('switches every limit off with RATE_LIMIT_ENABLED=false', async () => {
    const testApp = await createLimitedApp({
      RATE_LIMIT_ENABLED: 'false',
      RATE_LIMIT_LOGIN_IP: '1/60',
      RATE_LIMIT_LOGIN_ACCOUNT_FAILURES: '1',
    });
    const email = uniqueEmail();
    for (let i = 0; i < 5; i += 1) {
      const response = await post(testApp, 'login/', { email, password: 'wrong-1234' });
      expect(response.status).to.equal(401);
    }
  });
});
