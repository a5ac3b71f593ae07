/** Root hooks: one migrated test database and one Redis database for the run, emptied before each test. */
import { startTestEnvironment, type TestEnvironment } from './helpers/environment.js';

// The processes tests start (the service, the CLI) are proven by their tests' assertions but left
// out of coverage: c8 merges V8 counts of separately compiled copies of one file into nonsense.
delete process.env.NODE_V8_COVERAGE;

let environment: TestEnvironment | undefined;

export function testEnvironment(): TestEnvironment {
  if (!environment) throw new Error('test environment not started (is test/setup.ts loaded?)');
  return environment;
}

export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(120_000);
    environment = await startTestEnvironment();
  },
  async beforeEach() {
    await environment?.reset();
  },
  async afterAll() {
    await environment?.stop();
  },
};
