/**
 * Mocha root hooks: `require: ['@auth-service/testing/mocha']` in `.mocharc` starts one service
 * before the suite, resets it before each test, and closes it at the end, with any other kit
 * the suite started and left running (named in a warning, so the leak gets fixed).
 * Settings come from the environment: TEST_DATABASE_URL, TEST_REDIS_URL.
 */
import * as chai from 'chai';
import { authServiceAssertions } from './chai.js';
import { runningKits, startAuthService, type AuthServiceKit } from './kit.js';

chai.use(authServiceAssertions);

// Re-exported so the assertions' types come along with the hooks.
export { authServiceAssertions };

let shared: AuthServiceKit | undefined;

/** The service the root hooks started for this suite. */
export function authService(): AuthServiceKit {
  if (!shared)
    throw new Error(
      'authService(): the kit has not started (is @auth-service/testing/mocha required?)',
    );
  return shared;
}

export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(60_000);
    shared = await startAuthService();
  },
  async beforeEach() {
    await shared?.reset();
  },
  async afterAll() {
    const leftRunning = [...runningKits()].filter((kit) => kit !== shared);
    for (const kit of leftRunning) {
      process.emitWarning(
        `@auth-service/testing: closed a kit left running (${kit.description}, started ${kit.startedAt.toISOString()}); close it in an after() hook`,
      );
      await kit.close();
    }
    await shared?.close();
    shared = undefined;
  },
};
