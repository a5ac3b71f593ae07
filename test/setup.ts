/**
 * Root hooks: one migrated test database and one Redis key space for the run, emptied before
 * each test; and, after the last suite, every REST error answer the run provoked held against
 * the contract's envelope (helpers/error-envelopes.ts), whatever the order of the files.
 */
import { buildOpenApiDocument } from '../server/http/openapi.js';
import { SERVICE_VERSION } from '../server/http/routes.js';
import { routerShape } from '../server/routers/_app.js';
import { envelopeProblems, recordedErrors } from './helpers/error-envelopes.js';
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
    const problems = envelopeProblems(
      recordedErrors,
      buildOpenApiDocument(routerShape, SERVICE_VERSION),
    );
    if (problems.length) {
      throw new Error(
        `${problems.length} of the run's ${recordedErrors.length} REST error answers break the contract:\n  ${problems.join('\n  ')}`,
      );
    }
  },
};
