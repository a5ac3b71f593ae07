/** The kit's Mocha root hooks, driven as Mocha drives them. */
import { expect } from 'chai';
import { authService, mochaHooks } from '../../testing/src/mocha.js';
import { startAuthService } from '../../testing/src/index.js';

describe('testing kit: Mocha root hooks', () => {
  it('start one service, reset it per test, and close a kit the suite left running, saying so', async function () {
    this.timeout(240_000);
    const context = { timeout: () => context } as unknown as Mocha.Context;
    await mochaHooks.beforeAll.call(context);
    const kit = authService();
    const { email } = await kit.createUser();
    await mochaHooks.beforeEach();
    expect(kit.mailbox.all(email)).to.have.length(0);

    const forgotten = await startAuthService({ databaseUrl: '', redisUrl: '' });
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);
    try {
      await mochaHooks.afterAll();
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.join('\n')).to.match(
      /closed a kit left running \(auth-service at http:\/\/127\.0\.0\.1:\d+/,
    );
    expect(() => authService()).to.throw(/has not started/);
    const refused = await fetch(`${forgotten.url}/health/`).catch((error: Error) => error);
    expect(refused).to.be.instanceOf(Error);
  });
});
