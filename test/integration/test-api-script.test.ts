import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { createTestApp } from '../helpers/app.js';

const run = promisify(execFile);

/** `npm run test:api` is what users run against their service: it must pass against ours. */
describe('npm run test:api', () => {
  let server: Server;
  let baseUrl: string;

  beforeEach(async () => {
    const testApp = await createTestApp();
    server = createServer(testApp.handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('walks every documented endpoint and exits 0', async function () {
    this.timeout(60_000);
    const { stdout } = await run(process.execPath, [
      '--import',
      'tsx',
      'scripts/test-api.ts',
      '--base-url',
      baseUrl,
    ]);
    expect(stdout).to.match(/^10 passed, 0 failed, 1 skipped$/m);
    expect(stdout).to.contain('POST change-password/');
  });

  it('fails with one clear line when the service is down', async function () {
    this.timeout(60_000);
    const error = await run(process.execPath, [
      '--import',
      'tsx',
      'scripts/test-api.ts',
      '--base-url',
      'http://127.0.0.1:1',
    ]).then(
      () => null,
      (failure: { code: number; stdout: string }) => failure,
    );
    expect(error?.code).to.equal(1);
    expect(error?.stdout).to.contain('cannot reach http://127.0.0.1:1');
  });
});
