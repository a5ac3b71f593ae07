/**
 * The example app (examples/react-app, built) in headless Chromium against the real service in
 * cookie mode: one origin serves the app's files and the API, as its Vite proxy does. Sign up,
 * reload (still signed in, no token in localStorage), a second tab picks the session up, log out
 * in one tab and the other shows signed-out, reset the password through the mailed link, log in
 * with a TOTP code (useAuth().loginMfa, the cookie set by login/mfa); no console errors.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { launchChromium } from '../helpers/chromium.js';
import { ManualClock } from '../helpers/clock.js';
import { registerUser, STRONG_PASSWORD, uniqueEmail } from '../helpers/factories.js';
import { enableTotp, STEP_START, totpCode } from '../helpers/mfa.js';
import { ROOT } from '../helpers/spawn-service.js';

const BUILD = join(ROOT, 'examples/react-app/dist');
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/**
 * The built app's files, index.html for any other page path, and the API through `app()`: made
 * once the origin is known, since FRONTEND_URL must name it (the cookie's trusted Origin and the
 * mails' links).
 */
async function listen(app: () => TestApp): Promise<{ server: Server; origin: string }> {
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    if (/^\/(trpc|api)\//.test(path)) return app().handler(request, response);
    const file = normalize(join(BUILD, path));
    const target = file.startsWith(BUILD) && extname(file) ? file : join(BUILD, 'index.html');
    readFile(target).then(
      (body) => {
        response.setHeader('Content-Type', TYPES[extname(target)] ?? 'application/octet-stream');
        response.end(body);
      },
      () => {
        response.statusCode = 404;
        response.end();
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('example React app in Chromium (cookie mode)', function () {
  this.timeout(60_000);
  let app: TestApp;
  let server: Server;
  let origin: string;
  let browser: Browser;
  let context: BrowserContext;
  const problems: string[] = [];

  before(async function () {
    if (!existsSync(join(BUILD, 'index.html'))) {
      throw new Error('examples/react-app is not built: npm run test:example-app builds it');
    }
    browser = await launchChromium();
  });
  after(() => browser?.close());

  beforeEach(async () => {
    problems.length = 0;
    ({ server, origin } = await listen(() => app));
    app = await createTestApp({
      env: { AUTH_COOKIES: 'true', NODE_ENV: 'development', FRONTEND_URL: origin },
    });
    context = await browser.newContext();
  });
  afterEach(async () => {
    await context.close();
    await new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  });

  async function open(path = '/'): Promise<Page> {
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    await page.goto(`${origin}${path}`);
    return page;
  }

  const signedIn = (page: Page) => page.getByTestId('signed-in').waitFor();
  const signedOut = (page: Page) => page.getByRole('button', { name: 'Log in' }).waitFor();

  async function signUp(page: Page, email: string) {
    await page.getByRole('button', { name: 'Create an account' }).click();
    await page.getByPlaceholder('Email').fill(email);
    await page.getByPlaceholder('Full name').fill('Example Person');
    await page.getByPlaceholder('Password').fill(STRONG_PASSWORD);
    await page.getByRole('button', { name: 'Sign up' }).click();
    await signedIn(page);
  }

  it('signs up, stays signed in over a reload and in a second tab, and logs out in both', async () => {
    const email = uniqueEmail('example');
    const first = await open();
    await signedOut(first);
    await signUp(first, email);
    expect(await first.getByTestId('signed-in').textContent()).to.include(email);

    await first.reload();
    await signedIn(first);
    const stored = await first.evaluate(() =>
      JSON.stringify({ ...(globalThis as unknown as { localStorage: object }).localStorage }),
    );
    expect(stored).not.to.match(/eyJ/); // no JWT in the page's storage
    const cookies = await context.cookies();
    expect(cookies.find((cookie) => cookie.name === 'refresh_token')).to.include({
      httpOnly: true,
      sameSite: 'Strict',
      path: '/api/auth',
    });

    const second = await open();
    await signedIn(second);
    await second.getByText('(this one)').first().waitFor();

    await first.getByRole('button', { name: 'Log out' }).click();
    await signedOut(first);
    await signedOut(second);
    await second.reload();
    await signedOut(second);
    expect(problems).to.deep.equal([]);
  });

  it('resets the password through the mailed link, then logs in with it', async () => {
    const email = uniqueEmail('example.reset');
    const page = await open();
    await signUp(page, email);
    await page.getByRole('button', { name: 'Log out' }).click();
    await signedOut(page);

    await page.getByPlaceholder('Email').fill(email);
    await page.getByRole('button', { name: 'Forgot password' }).click();
    await page.getByText('a reset link is on its way').waitFor();
    // Written by the request the page made; read once it is there (bounded).
    let token = app.mailer.resetTokenFor(email);
    for (let attempt = 0; !token && attempt < 50; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      token = app.mailer.resetTokenFor(email);
    }
    expect(token).to.be.a('string');

    const newPassword = 'Another-Horse-Battery-7';
    await page.goto(`${origin}/reset-password?token=${token}`);
    await page.getByPlaceholder('New password').fill(newPassword);
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.getByText('Password changed').waitFor();

    await page.goto(`${origin}/`);
    await page.getByPlaceholder('Email').fill(email);
    await page.getByPlaceholder('Password').fill(newPassword);
    await page.getByRole('button', { name: 'Log in' }).click();
    await signedIn(page);
    expect(problems).to.deep.equal([]);
  });

  it('logs in with a TOTP code: the code form after the password, then signed in by the cookie', async () => {
    // Codes are computed at the service's clock, which this test moves.
    const clock = new ManualClock(STEP_START);
    app = await createTestApp({
      env: { AUTH_COOKIES: 'true', NODE_ENV: 'development', FRONTEND_URL: origin },
      overrides: { clock },
    });
    const user = await registerUser(app);
    const { secret } = await enableTotp(app, user.access, clock);

    const page = await open();
    await page.getByPlaceholder('Email').fill(user.email);
    await page.getByPlaceholder('Password').fill(STRONG_PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByPlaceholder('Authenticator code').fill('000000');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByText('Wrong code.').waitFor();
    expect((await context.cookies()).map((cookie) => cookie.name)).not.to.include('refresh_token');

    await page.getByPlaceholder('Authenticator code').fill(totpCode(secret, clock.now()));
    await page.getByRole('button', { name: 'Verify' }).click();
    await signedIn(page);
    expect((await context.cookies()).find((cookie) => cookie.name === 'refresh_token')).to.include({
      httpOnly: true,
      path: '/api/auth',
    });
    await page.reload();
    await signedIn(page);
    // The wrong code's 401 is logged by Chromium as a failed resource; nothing else may be.
    expect(problems.filter((problem) => !/401/.test(problem))).to.deep.equal([]);
  });
});
