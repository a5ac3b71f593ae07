/**
 * The admin console in a real browser against the real service: the app on the test
 * PostgreSQL and Redis, listening on a free port and serving the console's build, its mail
 * delivered by the outbox worker over SMTP to a local sink, and headless Chromium.
 */
import { readFileSync, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { STRONG_PASSWORD } from '../helpers/factories.js';
import { launchChromium } from '../helpers/chromium.js';
import type { ManualClock } from '../helpers/clock.js';
import { startSmtpStandIn, type SmtpStandIn } from '../helpers/email-peers.js';
import { ROOT } from '../helpers/spawn-service.js';

export const CONSOLE_BUILD = join(ROOT, 'admin-console', 'dist');
export const SCREENSHOTS = join(ROOT, 'docs', 'admin-console');

export interface ConsoleService {
  testApp: TestApp;
  smtp: SmtpStandIn;
  baseUrl: string;
  close(): Promise<void>;
}

/** `env`: more settings for the service, e.g. AUTH_COOKIES. */
export async function startConsoleService(
  options: { clock?: ManualClock; env?: Record<string, string> } = {},
): Promise<ConsoleService> {
  if (!existsSync(join(CONSOLE_BUILD, 'index.html'))) {
    throw new Error(
      'the admin console is not built: run npm run build:console (npm run test:console does)',
    );
  }
  const smtp = await startSmtpStandIn();
  const testApp = await createTestApp({
    env: {
      ADMIN_CONSOLE_DIR: CONSOLE_BUILD,
      EMAIL_HOST: '127.0.0.1',
      EMAIL_PORT: String(smtp.port),
      EMAIL_USE_TLS: 'false',
      ...options.env,
    },
    // The outbox and its SMTP transport, as production sends mail (not the recording mailer).
    overrides: { mailer: undefined, clock: options.clock },
  });
  const server: Server = createServer(testApp.handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    testApp,
    smtp,
    baseUrl: `http://127.0.0.1:${port}`,
    async close() {
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
      await testApp.deps.close();
      await smtp.close();
    },
  };
}

export interface ConsoleBrowser {
  browser: Browser;
  /** A fresh context (no cookies, no storage) at a desktop or phone width. */
  page(options?: { width?: number; height?: number }): Promise<ConsolePage>;
  close(): Promise<void>;
}

export interface ConsolePage {
  page: Page;
  context: BrowserContext;
  /** Console messages about the Content-Security-Policy, and uncaught page errors. */
  problems: string[];
}

export async function startBrowser(): Promise<ConsoleBrowser> {
  const browser = await launchChromium();
  return {
    browser,
    async page({ width = 1280, height = 800 } = {}) {
      const context = await browser.newContext({
        viewport: { width, height },
        locale: 'en-GB',
        timezoneId: 'UTC',
      });
      const page = await context.newPage();
      page.setDefaultTimeout(10_000);
      const problems: string[] = [];
      page.on('console', (message) => {
        if (/Content.Security.Policy/i.test(message.text())) problems.push(message.text());
      });
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      return { page, context, problems };
    },
    close: () => browser.close(),
  };
}

const axeSource = readFileSync(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
);

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown }>;
}

/**
 * axe-core over the page as it stands: no serious or critical violation. Injected through the
 * DevTools protocol (page.evaluate), which the page's CSP does not govern, so the console's own
 * policy stays as strict as it is.
 */
export async function expectAccessible(page: Page, label: string): Promise<void> {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const { axe, document } = globalThis as unknown as {
      axe: { run(context: unknown, options: object): Promise<{ violations: AxeViolation[] }> };
      document: unknown;
    };
    const result: { violations: AxeViolation[] } = await axe.run(document, {
      resultTypes: ['violations'],
    });
    return result.violations.map(({ id, impact, help, nodes }) => ({
      id,
      impact,
      help,
      nodes: nodes.map((node) => node.target),
    }));
  });
  const blocking = violations.filter(
    (violation) => violation.impact === 'serious' || violation.impact === 'critical',
  );
  expect(blocking, `${label}: ${JSON.stringify(blocking, null, 2)}`).to.deep.equal([]);
}

/** The whole page, or (`viewport`) what is on screen, e.g. under a modal dialog's backdrop. */
export async function screenshot(page: Page, name: string, viewport = false): Promise<void> {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: !viewport });
}

/** Fills the sign-in form by its labels and submits it. */
export async function signIn(page: Page, email: string, password = STRONG_PASSWORD): Promise<void> {
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}
