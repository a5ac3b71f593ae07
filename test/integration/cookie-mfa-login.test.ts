/**
 * A two-factor login in a browser with AUTH_COOKIES=true: the password step answers the
 * challenge and sets no cookie; `login/mfa/` with `X-Token-Transport: cookie` sets the refresh
 * token as the HttpOnly cookie and leaves it out of the body, over REST and a single tRPC call,
 * as `login/` does; that cookie then refreshes from the trusted Origin and is refused from any
 * other.
 */
import { expect } from 'chai';
import { bearer, createTestApp, type TestApp } from '../helpers/app.js';
import { ManualClock } from '../helpers/clock.js';
import { registerUser, STRONG_PASSWORD, type RegisteredUser } from '../helpers/factories.js';
import { enableTotp, STEP_START, totpCode, type TotpAccount } from '../helpers/mfa.js';

const FRONTEND = 'http://frontend.test';
const COOKIE_MODE = { 'X-Token-Transport': 'cookie' };

function refreshCookie(response: { headers: Record<string, unknown> }): string | undefined {
  const lines = (response.headers['set-cookie'] as string[] | undefined) ?? [];
  return lines.find((line) => line.startsWith('refresh_token='));
}

const cookieValue = (line: string) => line.split(';')[0]!;

describe('two-factor login with cookie sessions (AUTH_COOKIES=true)', () => {
  let app: TestApp;
  let clock: ManualClock;
  let user: RegisteredUser;
  let totp: TotpAccount;

  beforeEach(async () => {
    clock = new ManualClock(STEP_START);
    app = await createTestApp({
      env: { AUTH_COOKIES: 'true', CORS_ALLOWED_ORIGINS: FRONTEND },
      overrides: { clock },
    });
    user = await registerUser(app);
    totp = await enableTotp(app, user.access, clock);
  });

  afterEach(async () => {
    await app.deps.close();
  });

  async function challenge(): Promise<string> {
    const response = await app
      .http()
      .post('/api/auth/login/')
      .set({ ...COOKIE_MODE, Origin: FRONTEND })
      .send({ email: user.email, password: STRONG_PASSWORD });
    expect(response.status, JSON.stringify(response.body)).to.equal(200);
    expect(response.body).to.have.keys('mfa_required', 'mfa_token');
    expect(refreshCookie(response), 'the challenge sets no cookie').to.equal(undefined);
    return response.body.mfa_token as string;
  }

  /** The cookie's attributes, and a body that holds the access token only. */
  function expectCookieOnly(
    response: { headers: Record<string, unknown>; text: string },
    tokens: { access?: unknown },
  ) {
    const line = refreshCookie(response);
    expect(line, 'a refresh_token cookie').to.be.a('string');
    const attributes = line!.split(';').map((part) => part.trim());
    expect(attributes).to.include.members([
      'HttpOnly',
      'SameSite=Strict',
      'Path=/api/auth',
      'Secure',
    ]);
    expect(tokens.access).to.be.a('string');
    expect(tokens).not.to.have.property('refresh');
    expect(response.text).not.to.include(cookieValue(line!).split('=')[1]);
    return cookieValue(line!);
  }

  async function refreshWith(cookie: string, origin: string | undefined) {
    const request = app.http().post('/api/auth/refresh/').set({ Cookie: cookie });
    if (origin) request.set('Origin', origin);
    return request.send({});
  }

  it('login/mfa/ over REST sets the HttpOnly cookie, keeps the refresh token out of the body, and the cookie refreshes', async () => {
    const mfaToken = await challenge();
    const response = await app
      .http()
      .post('/api/auth/login/mfa/')
      .set({ ...COOKIE_MODE, Origin: FRONTEND })
      .send({ mfa_token: mfaToken, code: totpCode(totp.secret, clock.now()) });
    expect(response.status, JSON.stringify(response.body)).to.equal(200);
    expect(response.body.user.email).to.equal(user.email);
    const cookie = expectCookieOnly(response, response.body.tokens);
    const profile = await app
      .http()
      .get('/api/auth/profile/')
      .set(bearer(response.body.tokens.access));
    expect(profile.status).to.equal(200);

    const refreshed = await refreshWith(cookie, FRONTEND);
    expect(refreshed.status, JSON.stringify(refreshed.body)).to.equal(200);
    expect(refreshed.body.access).to.be.a('string');
    expect(refreshed.body).not.to.have.property('refresh');
    expect(cookieValue(refreshCookie(refreshed)!)).not.to.equal(cookie);
  });

  it('login/mfa/ as a single tRPC call sets the cookie and answers the access token only', async () => {
    const mfaToken = await challenge();
    const response = await app
      .http()
      .post('/trpc/auth.loginMfa')
      .set({ ...COOKIE_MODE, Origin: FRONTEND })
      .send({ json: { mfa_token: mfaToken, code: totpCode(totp.secret, clock.now()) } });
    expect(response.status, response.text).to.equal(200);
    const cookie = expectCookieOnly(response, response.body.result.data.json.tokens);
    const refreshed = await refreshWith(cookie, FRONTEND);
    expect(refreshed.status, JSON.stringify(refreshed.body)).to.equal(200);
  });

  it('refuses the cookie from login/mfa/ to a cross-site refresh with 403, and keeps it usable', async () => {
    const mfaToken = await challenge();
    const response = await app
      .http()
      .post('/api/auth/login/mfa/')
      .set(COOKIE_MODE)
      .send({ mfa_token: mfaToken, code: totpCode(totp.secret, clock.now()) });
    const cookie = cookieValue(refreshCookie(response)!);
    for (const origin of ['https://evil.example.net', undefined]) {
      const refused = await refreshWith(cookie, origin);
      expect(refused.status, String(origin)).to.equal(403);
      expect(refused.body.code).to.equal('PERMISSION_DENIED');
      expect(refreshCookie(refused)).to.equal(undefined);
    }
    expect((await refreshWith(cookie, FRONTEND)).status).to.equal(200);
  });

  it('refuses the cookie transport on a tRPC batch of login/mfa, with no refresh token in the answer', async () => {
    const mfaToken = await challenge();
    const batch = await app
      .http()
      .post('/trpc/auth.loginMfa?batch=1')
      .set(COOKIE_MODE)
      .send({ 0: { json: { mfa_token: mfaToken, code: totpCode(totp.secret, clock.now()) } } });
    expect(batch.status).to.equal(400);
    expect(batch.text).not.to.match(/"refresh"/);
    expect(refreshCookie(batch)).to.equal(undefined);
  });

  it('answers login/mfa/ without the header as before: the pair in the body, no cookie', async () => {
    const mfaToken = await challenge();
    const response = await app
      .http()
      .post('/api/auth/login/mfa/')
      .send({ mfa_token: mfaToken, code: totpCode(totp.secret, clock.now()) });
    expect(response.status).to.equal(200);
    expect(response.body.tokens.refresh).to.be.a('string');
    expect(refreshCookie(response)).to.equal(undefined);
  });
});
