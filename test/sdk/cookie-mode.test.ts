/**
 * The SDK's browser mode (`cookies: true`) against a service with AUTH_COOKIES=true, through a
 * fetch that behaves as a browser's does: one cookie jar, the cookie sent only under its Path
 * (/api/auth), and the page's Origin on every request. The refresh token never reaches the
 * page: not in a response body, not in what onSessionChange hears.
 */
import { expect } from 'chai';
import {
  createAuthSession,
  needsSecondFactor,
  type AuthSession,
  type FetchLike,
  type TokenPair,
} from '../../client-sdk/src/index.js';
import { STRONG_PASSWORD, uniqueEmail } from '../helpers/factories.js';
import { totpCode } from '../helpers/mfa.js';
import { startLiveServer, type LiveServer } from './harness.js';

const FRONTEND = 'http://frontend.test';

/** A browser's cookie handling for one site, reduced to what the service sets. */
class Browser {
  cookie: string | null = null;
  readonly requests: Array<{ path: string; credentials: unknown; hadCookie: boolean }> = [];
  readonly bodies: string[] = [];

  fetch: FetchLike = async (input, init) => {
    const url = new URL(String(input));
    const send = this.cookie !== null && url.pathname.startsWith('/api/auth');
    this.requests.push({
      path: url.pathname,
      credentials: (init as RequestInit | undefined)?.credentials,
      hadCookie: send,
    });
    const headers = new Headers(init?.headers as ConstructorParameters<typeof Headers>[0]);
    headers.set('Origin', FRONTEND);
    if (send) headers.set('Cookie', `refresh_token=${this.cookie}`);
    const response = await fetch(url, { ...(init as RequestInit), headers });
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
      const value = pair.slice('refresh_token='.length);
      this.cookie = attributes.includes('Max-Age=0') ? null : value;
    }
    this.bodies.push(await response.clone().text());
    return response;
  };
}

describe('client SDK in cookie mode (AUTH_COOKIES=true)', () => {
  let live: LiveServer;
  let browser: Browser;
  const heard: Array<TokenPair | null> = [];
  const page = (): AuthSession =>
    createAuthSession({
      url: live.url,
      cookies: true,
      fetch: browser.fetch,
      onSessionChange: (tokens) => heard.push(tokens),
    });

  beforeEach(async () => {
    live = await startLiveServer({ AUTH_COOKIES: 'true' });
    browser = new Browser();
    heard.length = 0;
  });
  afterEach(() => live.close());

  async function signUp(session: AuthSession) {
    const email = uniqueEmail('cookie.sdk');
    await session.client.auth.register.mutate({
      email,
      full_name: 'Cookie Page',
      password: STRONG_PASSWORD,
      password_confirm: STRONG_PASSWORD,
    });
    return email;
  }

  it('signs up with the refresh token in the cookie only, never in a body or in page state', async () => {
    const session = page();
    const email = await signUp(session);
    expect(browser.cookie).to.be.a('string').with.length.above(20);
    expect(browser.requests.every((request) => request.credentials === 'include')).to.equal(true);
    for (const body of browser.bodies) expect(body).not.to.include(browser.cookie!);
    expect(heard).to.have.length(1);
    expect(heard[0]!.refresh).to.equal('');
    expect((await session.client.profile.get.query()).email).to.equal(email);
  });

  it('refreshes an expired access token from the cookie, on the REST path', async () => {
    const session = page();
    await signUp(session);
    const before = browser.cookie;
    live.clock.advanceSeconds(61);
    await session.client.profile.get.query();
    expect(browser.requests.map((request) => request.path)).to.include('/api/auth/refresh/');
    expect(browser.cookie).to.be.a('string').and.not.equal(before);
  });

  it('picks the session up on a reload from the cookie, and logout ends it for the next page', async () => {
    await signUp(page());
    const reloaded = page();
    expect(await reloaded.resume()).to.equal(true);
    await reloaded.client.profile.get.query();

    await reloaded.client.auth.logout.mutate();
    const logout = browser.requests.find((request) => request.path === '/api/auth/logout/');
    expect(logout?.hadCookie).to.equal(true);
    expect(browser.cookie).to.equal(null);
    expect(heard.at(-1)).to.equal(null);
    expect(await page().resume()).to.equal(false);
  });

  it('logs in with a second factor: the challenge sets no cookie, loginMfa stores the session the cookie way', async () => {
    const owner = page();
    const email = await signUp(owner);
    const { secret } = await owner.client.mfa.totpSetup.mutate({ password: STRONG_PASSWORD });
    await owner.client.mfa.totpConfirm.mutate({ code: totpCode(secret, live.clock.now()) });
    live.clock.advanceSeconds(30); // the confirming code's step is used

    // Another browser: its own cookie jar, its own page.
    browser = new Browser();
    heard.length = 0;
    const device = page();
    const login = await device.client.auth.login.mutate({ email, password: STRONG_PASSWORD });
    if (!needsSecondFactor(login)) throw new Error('expected the second-factor challenge');
    expect(browser.cookie).to.equal(null);
    expect(heard).to.deep.equal([]);

    const done = await device.client.auth.loginMfa.mutate({
      mfa_token: login.mfa_token,
      code: totpCode(secret, live.clock.now()),
    });
    expect(done.user.email).to.equal(email);
    expect(done.tokens).not.to.have.property('refresh');
    expect(browser.cookie).to.be.a('string').with.length.above(20);
    for (const body of browser.bodies) expect(body).not.to.include(browser.cookie!);
    expect(heard).to.deep.equal([{ access: done.tokens.access, refresh: '' }]);
    expect((await device.client.profile.get.query()).email).to.equal(email);

    // The access token expires: the cookie from loginMfa refreshes it, on the REST path.
    const before = browser.cookie;
    live.clock.advanceSeconds(61);
    await device.client.profile.get.query();
    expect(browser.requests.map((request) => request.path)).to.include('/api/auth/refresh/');
    expect(browser.cookie).to.be.a('string').and.not.equal(before);
    expect(await page().resume()).to.equal(true);
  });

  it('resumes as signed out when there is no cookie', async () => {
    expect(await page().resume()).to.equal(false);
  });
});
