/**
 * AUTH_COOKIES=true, as a browser meets it: a call with `X-Token-Transport: cookie` gets its
 * refresh token as an HttpOnly, SameSite=Strict cookie on /api/auth (Secure outside development)
 * and never in the body; refresh/ and logout/ use the cookie; a cross-site request that would
 * use it is refused 403; calls without the header are answered as before.
 */
import { expect } from 'chai';
import { bearer, createTestApp, type TestApp } from '../helpers/app.js';
import { createAccount } from '../helpers/accounts.js';
import { STRONG_PASSWORD, uniqueEmail } from '../helpers/factories.js';

const FRONTEND = 'http://frontend.test';
const COOKIE_MODE = { 'X-Token-Transport': 'cookie' };
const REFRESH_LIFETIME_SECONDS = 7 * 24 * 3600;

/** The refresh_token Set-Cookie line of a response, or undefined. */
function refreshCookie(response: { headers: Record<string, unknown> }): string | undefined {
  const lines = (response.headers['set-cookie'] as string[] | undefined) ?? [];
  return lines.find((line) => line.startsWith('refresh_token='));
}

const cookieValue = (line: string) => line.split(';')[0]!;

describe('cookie sessions for browsers (AUTH_COOKIES=true)', () => {
  let app: TestApp;
  beforeEach(async () => {
    app = await createTestApp({
      env: { AUTH_COOKIES: 'true', CORS_ALLOWED_ORIGINS: FRONTEND },
    });
  });

  async function cookieLogin() {
    const account = await createAccount(app);
    const response = await app
      .http()
      .post('/api/auth/login/')
      .set(COOKIE_MODE)
      .send({ email: account.email, password: STRONG_PASSWORD });
    expect(response.status, JSON.stringify(response.body)).to.equal(200);
    return { account, response, cookie: cookieValue(refreshCookie(response)!) };
  }

  it('login sets the refresh token as an HttpOnly, SameSite=Strict, Secure cookie on /api/auth, not in the body', async () => {
    const { response } = await cookieLogin();
    const cookie = refreshCookie(response);
    expect(cookie).to.be.a('string');
    const attributes = cookie!.split(';').map((part) => part.trim());
    expect(attributes).to.include.members([
      'HttpOnly',
      'SameSite=Strict',
      'Path=/api/auth',
      'Secure',
      `Max-Age=${REFRESH_LIFETIME_SECONDS}`,
    ]);
    expect(response.body.tokens.access).to.be.a('string');
    expect(response.body.tokens).not.to.have.property('refresh');
    expect(response.text).not.to.include(cookieValue(cookie!).split('=')[1]);
    expect(response.headers['cache-control']).to.equal('no-store');
  });

  it('register in cookie mode answers 201 with no refresh token in the body', async () => {
    const response = await app.http().post('/api/auth/register/').set(COOKIE_MODE).send({
      email: uniqueEmail(),
      full_name: 'Cookie Person',
      password: STRONG_PASSWORD,
      password_confirm: STRONG_PASSWORD,
    });
    expect(response.status).to.equal(201);
    expect(refreshCookie(response)).to.include('HttpOnly');
    expect(response.body.tokens).to.have.property('access');
    expect(response.body.tokens).not.to.have.property('refresh');
  });

  it('answers a client without the header as before: tokens in the body, no cookie', async () => {
    const account = await createAccount(app);
    const response = await app
      .http()
      .post('/api/auth/login/')
      .send({ email: account.email, password: STRONG_PASSWORD });
    expect(response.body.tokens.refresh).to.be.a('string');
    expect(refreshCookie(response)).to.equal(undefined);
  });

  it('refresh/ with an empty body rotates the cookie, from a trusted Origin', async () => {
    const { cookie } = await cookieLogin();
    const response = await app
      .http()
      .post('/api/auth/refresh/')
      .set({ Cookie: cookie, Origin: FRONTEND })
      .send({});
    expect(response.status, JSON.stringify(response.body)).to.equal(200);
    expect(response.body.access).to.be.a('string');
    expect(response.body).not.to.have.property('refresh');
    const rotated = refreshCookie(response)!;
    expect(cookieValue(rotated)).not.to.equal(cookie);
    const profile = await app.http().get('/api/auth/profile/').set(bearer(response.body.access));
    expect(profile.status).to.equal(200);
  });

  it('refuses a cross-site POST that would use the cookie with 403, and one with no Origin', async () => {
    const { cookie } = await cookieLogin();
    for (const origin of ['https://evil.example.net', 'null', undefined]) {
      const request = app.http().post('/api/auth/refresh/').set({ Cookie: cookie });
      if (origin) request.set('Origin', origin);
      const response = await request.send({});
      expect(response.status, String(origin)).to.equal(403);
      expect(response.body.code).to.equal('PERMISSION_DENIED');
      expect(refreshCookie(response)).to.equal(undefined);
    }
    // The cookie was not consumed by the refused attempts.
    const allowed = await app
      .http()
      .post('/api/auth/refresh/')
      .set({ Cookie: cookie, Origin: FRONTEND })
      .send({});
    expect(allowed.status).to.equal(200);
  });

  it("lets the service's own pages use the cookie (Sec-Fetch-Site: same-origin) with an unlisted Origin", async () => {
    const { cookie } = await cookieLogin();
    const ownOrigin = 'https://auth.example.org';
    // A sibling subdomain is same-site, not same-origin: still refused.
    for (const site of ['same-site', 'cross-site', 'none']) {
      const refused = await app
        .http()
        .post('/api/auth/refresh/')
        .set({ Cookie: cookie, Origin: ownOrigin, 'Sec-Fetch-Site': site })
        .send({});
      expect([refused.status, refused.body.code], site).to.deep.equal([403, 'PERMISSION_DENIED']);
    }
    const response = await app
      .http()
      .post('/api/auth/refresh/')
      .set({ Cookie: cookie, Origin: ownOrigin, 'Sec-Fetch-Site': 'same-origin' })
      .send({});
    expect(response.status, JSON.stringify(response.body)).to.equal(200);
    expect(refreshCookie(response)).to.include('HttpOnly');
  });

  it('logout/ revokes the session from the cookie and clears it', async () => {
    const { response: loggedIn, cookie } = await cookieLogin();
    const logout = await app
      .http()
      .post('/api/auth/logout/')
      .set({ ...bearer(loggedIn.body.tokens.access), Cookie: cookie, Origin: FRONTEND })
      .send({});
    expect(logout.status, JSON.stringify(logout.body)).to.equal(200);
    const cleared = refreshCookie(logout)!;
    expect(cleared).to.match(/^refresh_token=;/);
    expect(cleared).to.include('Max-Age=0');
    const again = await app
      .http()
      .post('/api/auth/refresh/')
      .set({ Cookie: cookie, Origin: FRONTEND })
      .send({});
    expect(again.status).to.equal(401);
    expect(again.body.code).to.equal('TOKEN_INVALID');
    expect(refreshCookie(again)).to.match(/^refresh_token=;/);
  });

  it('lets the trusted origin send credentials and the transport header (CORS preflight)', async () => {
    const preflight = await app
      .http()
      .options('/api/auth/refresh/')
      .set('Origin', FRONTEND)
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'content-type,x-token-transport');
    expect(preflight.status).to.equal(204);
    expect(preflight.headers['access-control-allow-credentials']).to.equal('true');
    expect(String(preflight.headers['access-control-allow-headers']).toLowerCase()).to.include(
      'x-token-transport',
    );
  });

  it('serves the cookie transport to a single tRPC call and refuses it in a batch', async () => {
    const account = await createAccount(app);
    const single = await app
      .http()
      .post('/trpc/auth.login')
      .set(COOKIE_MODE)
      .send({ json: { email: account.email, password: STRONG_PASSWORD } });
    expect(single.status, single.text).to.equal(200);
    expect(refreshCookie(single)).to.include('HttpOnly');
    expect(single.body.result.data.json.tokens).not.to.have.property('refresh');

    const batch = await app
      .http()
      .post('/trpc/auth.login?batch=1')
      .set(COOKIE_MODE)
      .send({ 0: { json: { email: account.email, password: STRONG_PASSWORD } } });
    expect(batch.status).to.equal(400);
    expect(batch.text).not.to.match(/"refresh"/);
  });

  it('leaves Secure off in development (plain-HTTP localhost)', async () => {
    const development = await createTestApp({
      env: { AUTH_COOKIES: 'true', NODE_ENV: 'development' },
    });
    const account = await createAccount(development);
    const response = await development
      .http()
      .post('/api/auth/login/')
      .set(COOKIE_MODE)
      .send({ email: account.email, password: STRONG_PASSWORD });
    expect(refreshCookie(response)).to.include('HttpOnly').and.not.include('Secure');
  });

  it('ignores the header when AUTH_COOKIES is off', async () => {
    const plain = await createTestApp();
    const account = await createAccount(plain);
    const response = await plain
      .http()
      .post('/api/auth/login/')
      .set(COOKIE_MODE)
      .send({ email: account.email, password: STRONG_PASSWORD });
    expect(response.body.tokens.refresh).to.be.a('string');
    expect(refreshCookie(response)).to.equal(undefined);
  });
});
