/**
 * The admin console on a service with AUTH_COOKIES=true, in headless Chromium: the page served
 * by the service says so, the console signs in in the SDK's cookie mode, the refresh token is an
 * HttpOnly cookie no page script can read (and nothing token-like lands in localStorage), and a
 * reload keeps the staff member signed in. The service's own origin is not in
 * CORS_ALLOWED_ORIGINS or FRONTEND_URL: the cookie is accepted because the request is
 * same-origin, as the browser reports it.
 */
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { createAccount, signedIn } from '../helpers/accounts.js';
import { ManualClock } from '../helpers/clock.js';
import { enableTotp, STEP_START, totpCode } from '../helpers/mfa.js';
import {
  expectAccessible,
  signIn,
  startBrowser,
  startConsoleService,
  type ConsoleBrowser,
  type ConsoleService,
} from './harness.js';

/** What page script sees of its storage (the tests compile without DOM types). */
interface PageWindow {
  document: { cookie: string };
  localStorage: {
    length: number;
    key(index: number): string | null;
    getItem(key: string): string | null;
  };
}

// Development leaves `Secure` off the cookie: the test serves plain HTTP on 127.0.0.1.
const COOKIE_ENV = {
  AUTH_COOKIES: 'true',
  NODE_ENV: 'development',
  FRONTEND_URL: 'http://frontend.invalid',
};

describe('admin console in Chromium with AUTH_COOKIES=true', function () {
  this.timeout(60_000);
  let service: ConsoleService;
  let browser: ConsoleBrowser;

  before(async () => {
    browser = await startBrowser();
  });

  after(async () => {
    await browser?.close();
  });

  afterEach(async () => {
    await service?.close();
  });

  /** Everything page script can read: document.cookie and every localStorage entry. */
  const scriptVisible = (page: Page) =>
    page.evaluate(() => {
      const { document, localStorage } = globalThis as unknown as PageWindow;
      const stored: Record<string, string | null> = {};
      for (let index = 0; index < localStorage.length; index += 1) {
        const key = localStorage.key(index)!;
        stored[key] = localStorage.getItem(key);
      }
      return { cookie: document.cookie, stored };
    });

  it('keeps the refresh token in an HttpOnly cookie, out of script reach, and survives a reload', async () => {
    service = await startConsoleService({ env: COOKIE_ENV });
    const admin = await createAccount(service.testApp, {
      email: 'grace.cookie@example.com',
      isStaff: true,
      isVerified: true,
    });
    const { page, context, problems } = await browser.page();
    await page.goto(`${service.baseUrl}/admin/`);
    await signIn(page, admin.email);
    await page.getByRole('heading', { name: 'Users' }).waitFor();

    const cookies = await context.cookies();
    const refresh = cookies.find((cookie) => cookie.name === 'refresh_token');
    expect(refresh, 'the refresh cookie').to.not.equal(undefined);
    expect(refresh!.httpOnly).to.equal(true);
    expect(refresh!.sameSite).to.equal('Strict');
    expect(refresh!.path).to.equal('/api/auth');
    const visible = await scriptVisible(page);
    expect(visible.cookie).to.not.include('refresh_token');
    const stored = JSON.stringify(visible.stored);
    expect(stored).to.not.include(refresh!.value);
    // No JWT of any kind (three base64url parts) in script-readable storage.
    expect(stored).to.not.match(/eyJ[\w-]+\.[\w-]+\.[\w-]+/);

    await page.reload();
    await page.getByRole('heading', { name: 'Users' }).waitFor();
    await page.getByText(`Signed in as ${admin.email}`).waitFor();
    await expectAccessible(page, 'users after a reload in cookie mode');

    // Sign out ends the session on the server and clears the cookie: a reload stays signed out.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to the admin console' }).waitFor();
    expect((await context.cookies()).some((cookie) => cookie.name === 'refresh_token')).to.equal(
      false,
    );
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in to the admin console' }).waitFor();
    expect(problems).to.deep.equal([]);
  });

  it('asks for the second factor in cookie mode, then keeps the session over a reload', async () => {
    const clock = new ManualClock(STEP_START);
    service = await startConsoleService({ clock, env: COOKIE_ENV });
    const admin = await signedIn(service.testApp, {
      email: 'ada.cookie@example.com',
      isStaff: true,
      isVerified: true,
    });
    const { secret } = await enableTotp(service.testApp, admin.access, clock);

    const { page, context, problems } = await browser.page();
    await page.goto(`${service.baseUrl}/admin/`);
    await signIn(page, admin.email, admin.password);
    await page.getByLabel('Code', { exact: true }).fill(totpCode(secret, clock.now()));
    await page.getByRole('button', { name: 'Verify code' }).click();
    await page.getByRole('heading', { name: 'Users' }).waitFor();
    const refresh = (await context.cookies()).find((cookie) => cookie.name === 'refresh_token');
    expect(refresh?.httpOnly, 'the refresh cookie after the second factor').to.equal(true);

    await page.reload();
    await page.getByText(`Signed in as ${admin.email}`).waitFor();
    expect(problems).to.deep.equal([]);
  });
});
