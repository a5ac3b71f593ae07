/**
 * Headless Chromium for browser tests: Debian's `chromium` (.ci/run installs it), driven by
 * playwright-core, which never downloads a browser of its own. Each launch gets a fresh
 * temporary user-data dir (Playwright makes one and removes it on close): no state leaks
 * between runs.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

const ARGUMENTS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`no browser at ${CHROMIUM_PATH}: install Debian's chromium package`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ARGUMENTS });
}
