/**
 * The admin console end to end, as a support person uses it, in headless Chromium against the
 * real service (PostgreSQL, Redis, mail over SMTP): sign in, find a user, end one of their
 * sessions, deactivate and reactivate them, send a reset link, read who did what; a non-staff
 * account is refused; errors read as sentences. Every page passes axe-core (no serious or
 * critical violation), breaks no Content-Security-Policy rule, and is photographed for
 * docs/admin-console.md in the same run.
 */
import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { createAccount, signedIn } from '../helpers/accounts.js';
import { bearer } from '../helpers/app.js';
import { ManualClock } from '../helpers/clock.js';
import { enableTotp, STEP_START, totpCode } from '../helpers/mfa.js';
import {
  expectAccessible,
  signIn,
  screenshot,
  startBrowser,
  startConsoleService,
  type ConsoleBrowser,
  type ConsoleService,
} from './harness.js';

/** What code evaluated in the page reads of its window (the tests compile without DOM types). */
interface PageWindow {
  getComputedStyle(element: unknown): { outlineStyle: string };
  document: { documentElement: { scrollWidth: number } };
  innerWidth: number;
}

const LAPTOP =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const PHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

describe('admin console in Chromium', function () {
  this.timeout(60_000);
  let service: ConsoleService;
  let browser: ConsoleBrowser;

  before(async () => {
    browser = await startBrowser();
  });

  after(async () => {
    await browser?.close();
  });

  beforeEach(async () => {
    service = await startConsoleService();
  });

  afterEach(async () => {
    await service?.close();
  });

  const api = () => service.testApp.http();
  const loginOverRest = (email: string, password: string, userAgent: string) =>
    api().post('/api/auth/login/').set('User-Agent', userAgent).send({ email, password });

  /** Opens an action's confirmation, confirms, and waits for the result the page shows. */
  async function confirm(page: Page, opener: string, confirmation: string, result: RegExp) {
    await page.getByRole('button', { name: opener, exact: true }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: confirmation, exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByRole('status').filter({ hasText: result }).waitFor();
  }

  it('lets staff find a user, end a session, deactivate, reactivate and send a reset link', async () => {
    const admin = await createAccount(service.testApp, {
      email: 'grace.admin@example.com',
      fullName: 'Grace Admin',
      isStaff: true,
      isSuperuser: true,
      isVerified: true,
    });
    const names = ['Katherine Johnson', 'Mary Jackson', 'Annie Easley', 'Christine Darden'];
    for (const [index, name] of names.entries()) {
      await createAccount(service.testApp, {
        email: `${name.split(' ')[0]!.toLowerCase()}@example.com`,
        fullName: name,
        isVerified: index % 2 === 0,
      });
    }
    const member = await createAccount(service.testApp, {
      email: 'dorothy.vaughan@example.com',
      fullName: 'Dorothy Vaughan',
    });
    const laptop = (await loginOverRest(member.email, member.password, LAPTOP)).body.tokens;
    const phone = (await loginOverRest(member.email, member.password, PHONE)).body.tokens;

    const { page, problems } = await browser.page();
    await page.goto(`${service.baseUrl}/admin/`);
    await page.getByRole('heading', { name: 'Sign in to the admin console' }).waitFor();
    await expectAccessible(page, 'sign-in');
    await screenshot(page, 'sign-in');

    // Keyboard only: Tab to each field, Enter to submit.
    await page.getByLabel('Email', { exact: true }).focus();
    await page.keyboard.type(admin.email);
    await page.keyboard.press('Tab');
    await page.keyboard.type(admin.password);
    await page.keyboard.press('Enter');

    await page.getByRole('heading', { name: 'Users' }).waitFor();
    await page.getByRole('status').filter({ hasText: '6 users' }).waitFor();
    await expect(await page.getByRole('table').count()).to.equal(1);
    await expectAccessible(page, 'users');
    await screenshot(page, 'users');

    // Visible focus: the search box, reached with the keyboard, draws an outline.
    const search = page.getByRole('searchbox', { name: 'Search by email or name' });
    await search.focus();
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Tab');
    const outline = await search.evaluate(
      (element) => (globalThis as unknown as PageWindow).getComputedStyle(element).outlineStyle,
    );
    expect(outline).to.not.equal('none');

    await search.fill('dorothy');
    await search.press('Enter');
    await page.getByRole('status').filter({ hasText: '1 user matching “dorothy”' }).waitFor();
    const rows = page.getByRole('table').getByRole('row');
    expect(await rows.count()).to.equal(2);

    await page.getByRole('link', { name: member.email }).click();
    await page.getByRole('heading', { name: member.email, level: 1 }).waitFor();
    await page.getByText('from 127.0.0.1 on Safari on iOS').waitFor();
    await expectAccessible(page, 'user');

    // End the phone's session: its access token is refused on its next call.
    await page.getByRole('button', { name: /^End session on Safari on iOS/ }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('that device is signed out').waitFor();
    await expectAccessible(page, 'confirmation');
    await screenshot(page, 'confirm-end-session', true);
    await dialog.getByRole('button', { name: 'End session', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Session ended' }).waitFor();
    const refused = await api().get('/api/auth/profile/').set(bearer(phone.access));
    expect([refused.status, refused.body.code]).to.deep.equal([401, 'TOKEN_INVALID']);
    expect((await api().get('/api/auth/profile/').set(bearer(laptop.access))).status).to.equal(200);
    await page.getByRole('heading', { name: 'Active sessions (1)' }).waitFor();

    // Deactivate: the remaining session ends at once and the login fails.
    await confirm(
      page,
      'Deactivate account',
      'Deactivate account',
      /^Account deactivated: 1 session ended/,
    );
    expect((await api().get('/api/auth/profile/').set(bearer(laptop.access))).status).to.equal(401);
    const locked = await loginOverRest(member.email, member.password, LAPTOP);
    expect([locked.status, locked.body.code]).to.deep.equal([401, 'AUTHENTICATION_FAILED']);

    await confirm(
      page,
      'Reactivate account',
      'Reactivate account',
      /^Account reactivated: they can sign in again\.$/,
    );
    expect((await loginOverRest(member.email, member.password, LAPTOP)).status).to.equal(200);

    // The reset link goes out through the outbox, over SMTP, to the sink; and it works.
    await confirm(
      page,
      'Send password-reset link',
      'Send reset link',
      /^A password-reset link has been sent to dorothy\.vaughan@example\.com\.$/,
    );
    await service.testApp.deps.emailWorker!.drain();
    const mail = service.smtp.messages.find((message) => /password/i.test(message.subject ?? ''));
    expect(mail, 'the reset email at the SMTP sink').to.not.equal(undefined);
    expect(mail!.to && !Array.isArray(mail!.to) ? mail!.to.value[0]?.address : null).to.equal(
      member.email,
    );
    const token = /reset-password\?token=([\w-]+)/.exec(mail!.text ?? '')?.[1];
    const reset = await api().post('/api/auth/reset-password/').send({
      token,
      password: 'Brand-New-Horse-8',
      password_confirm: 'Brand-New-Horse-8',
    });
    expect(reset.status, JSON.stringify(reset.body)).to.equal(200);

    // Who did what: the user's log names the staff member on each staff action.
    await page.reload();
    await signIn(page, admin.email);
    await page.getByRole('heading', { name: member.email, level: 1 }).waitFor();
    const activity = page.getByRole('region', { name: 'Activity log' });
    await activity.getByText('Password reset', { exact: true }).waitFor();
    expect(await activity.getByText(`Staff: ${admin.email}`).count()).to.equal(4);
    await page.getByLabel('Action', { exact: true }).selectOption('account_deactivated');
    await activity.getByRole('row').nth(2).waitFor({ state: 'detached' });
    expect(await activity.getByRole('row').count()).to.equal(2);
    await page.getByLabel('Action', { exact: true }).selectOption('');
    await activity.getByText('Password reset', { exact: true }).waitFor();
    await expectAccessible(page, 'user after actions');
    await screenshot(page, 'user');

    // The staff member's own log records each action and on whom.
    await page.goto(`${service.baseUrl}/admin/users/${admin.id}`);
    await signIn(page, admin.email);
    await page.getByLabel('Action', { exact: true }).selectOption('staff_action');
    const own = page.getByRole('region', { name: 'Activity log' });
    await own.getByText(`Account deactivated on ${member.email}`).waitFor();
    expect(await own.getByText(`on ${member.email}`).count()).to.equal(4);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to the admin console' }).waitFor();
    expect(problems).to.deep.equal([]);
  });

  it('lets staff delete an account: its tokens and its login stop working at once', async () => {
    const staff = await createAccount(service.testApp, {
      email: 'katherine.staff@example.com',
      isStaff: true,
      isVerified: true,
    });
    const member = await createAccount(service.testApp, {
      email: 'christine.darden@example.com',
      fullName: 'Christine Darden',
    });
    const tokens = (await loginOverRest(member.email, member.password, LAPTOP)).body.tokens;

    const { page, problems } = await browser.page();
    await page.goto(`${service.baseUrl}/admin/users/${member.id}`);
    await signIn(page, staff.email);
    await page.getByRole('heading', { name: member.email, level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Delete account', exact: true }).click();
    const dialog = page.getByRole('dialog');
    await dialog
      .getByText('activity history stays for the audit trail', { exact: false })
      .waitFor();
    expect(await dialog.textContent()).to.contain('1 active session end');
    await expectAccessible(page, 'delete confirmation');
    await screenshot(page, 'confirm-delete', true);
    await dialog.getByRole('button', { name: 'Delete account', exact: true }).click();

    // The result shows on the users list, where the account no longer is.
    await page.getByRole('heading', { name: 'Users' }).waitFor();
    await page
      .getByRole('status')
      .filter({ hasText: `Account ${member.email} deleted: 1 session ended` })
      .waitFor();
    await page.getByRole('status').filter({ hasText: '1 user' }).waitFor();
    expect(await page.getByRole('link', { name: member.email }).count()).to.equal(0);
    expect(new URL(page.url()).pathname).to.equal('/admin/');

    const refused = await api().get('/api/auth/profile/').set(bearer(tokens.access));
    expect(refused.status).to.equal(401);
    const login = await loginOverRest(member.email, member.password, LAPTOP);
    expect([login.status, login.body.code]).to.deep.equal([401, 'AUTHENTICATION_FAILED']);
    expect(problems).to.deep.equal([]);
  });

  it('works at 390 px wide, every page without a horizontal scroll', async () => {
    const admin = await createAccount(service.testApp, {
      email: 'grace@example.com',
      isStaff: true,
      isVerified: true,
    });
    const member = await createAccount(service.testApp, {
      email: 'mary.jackson@example.com',
      fullName: 'Mary Winston Jackson',
    });
    await loginOverRest(member.email, member.password, PHONE);
    const { page, problems } = await browser.page({ width: 390, height: 844 });
    const fitsWidth = () =>
      page.evaluate(() => {
        const { document, innerWidth } = globalThis as unknown as PageWindow;
        return document.documentElement.scrollWidth <= innerWidth;
      });

    await page.goto(`${service.baseUrl}/admin/users/${member.id}`);
    await signIn(page, admin.email);
    await page.getByRole('heading', { name: member.email, level: 1 }).waitFor();
    expect(await fitsWidth(), 'user page fits 390 px').to.equal(true);
    await expectAccessible(page, 'user at 390 px');
    await screenshot(page, 'user-390px');

    await page.getByRole('link', { name: '← All users' }).click();
    await page.getByRole('heading', { name: 'Users' }).waitFor();
    await page.getByRole('status').filter({ hasText: '2 users' }).waitFor();
    expect(await fitsWidth(), 'users page fits 390 px').to.equal(true);
    await expectAccessible(page, 'users at 390 px');
    await screenshot(page, 'users-390px');
    expect(problems).to.deep.equal([]);
  });

  it('asks staff with two-factor login on for their code, and refuses a wrong one', async () => {
    await service.close();
    const clock = new ManualClock(STEP_START);
    service = await startConsoleService({ clock });
    const admin = await signedIn(service.testApp, {
      email: 'ada.admin@example.com',
      isStaff: true,
      isVerified: true,
    });
    const { secret } = await enableTotp(service.testApp, admin.access, clock);

    const { page, problems } = await browser.page();
    await page.goto(`${service.baseUrl}/admin/`);
    await signIn(page, admin.email, admin.password);
    const code = page.getByLabel('Code', { exact: true });
    await code.waitFor();
    await expectAccessible(page, 'second factor');
    await screenshot(page, 'second-factor');

    await code.fill(totpCode(secret, clock.now(), 5));
    await page.getByRole('button', { name: 'Verify code' }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: 'That code is wrong or was already used' })
      .waitFor();

    await code.fill(totpCode(secret, clock.now()));
    await page.getByRole('button', { name: 'Verify code' }).click();
    await page.getByRole('heading', { name: 'Users' }).waitFor();
    expect(problems).to.deep.equal([]);
  });

  it('tells a non-staff account plainly that it has no access, and ends its session', async () => {
    const member = await createAccount(service.testApp, { email: 'annie@example.com' });
    const { page, problems } = await browser.page();
    await page.goto(`${service.baseUrl}/admin/`);
    await signIn(page, member.email);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).to.equal(
      'The account annie@example.com has no access to the admin console: only staff accounts can sign in here.',
    );
    await expectAccessible(page, 'no access');
    await screenshot(page, 'no-access');
    const { Session } = service.testApp.deps.database.models;
    const sessions = await Session.findAll({ where: { userId: member.id }, raw: true });
    expect(sessions).to.have.length(1);
    expect(sessions[0]!.revokedAt, 'the session the sign-in opened is ended').to.not.equal(null);
    expect(problems).to.deep.equal([]);
  });

  it('shows errors as sentences: wrong password, service unavailable', async () => {
    const admin = await createAccount(service.testApp, { isStaff: true });
    const { page } = await browser.page();
    await page.goto(`${service.baseUrl}/admin/`);
    await signIn(page, admin.email, 'Not-The-Password-1');
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).to.equal(
      'The email or password is wrong, or the account is deactivated.',
    );

    // A gateway in front of the service answering its own error page.
    await page.route('**/trpc/**', (route) =>
      route.fulfill({ status: 503, contentType: 'text/html', body: '<h1>503</h1>' }),
    );
    await signIn(page, admin.email);
    await page
      .getByRole('alert')
      .filter({ hasText: 'The service is unavailable at the moment. Try again in 30 seconds.' })
      .waitFor();
    await screenshot(page, 'service-unavailable');
  });
});
