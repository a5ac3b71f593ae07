/**
 * An unknown email must not be told apart from a known one by how long login takes, even by an
 * attacker who first floods the hash queue with failed logins of their own account: the
 * unknown path runs its dummy hash through the same queue, and waits afterwards only as long as
 * a known failure's own work after the hash (its activity entry) takes.
 */
import { performance } from 'node:perf_hooks';
import { expect } from 'chai';
import { ScryptPasswordHasher } from '../../server/lib/password-hasher.js';
import { createTestApp, TEST_SCRYPT, type TestApp } from '../helpers/app.js';
import { registerUser, uniqueEmail } from '../helpers/factories.js';

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

async function timedLogin(testApp: TestApp, email: string): Promise<number> {
  const startedAt = performance.now();
  const response = await testApp
    .http()
    .post('/api/auth/login/')
    .send({ email, password: 'not-the-password-1' });
  expect(response.status).to.equal(401);
  return performance.now() - startedAt;
}

describe('login timing after a flood', function () {
  this.timeout(60_000);

  it('answers an unknown email as fast as a known email with a wrong password', async () => {
    // A slower hash and one hashing slot, so queueing behind a flood takes real time.
    const testApp = await createTestApp({
      overrides: {
        hasher: new ScryptPasswordHasher(
          { ...TEST_SCRYPT, logN: 13 },
          { concurrency: 1, queueLimit: 10_000 },
        ),
      },
    });
    const attacker = await registerUser(testApp);
    const victim = await registerUser(testApp);

    // The attacker's own account, a hundred wrong passwords at once: each waits in the queue.
    const flood = await Promise.all(
      Array.from({ length: 100 }, () => timedLogin(testApp, attacker.email)),
    );
    // A hundred hashes one at a time: the last answer came long after the first.
    expect(Math.max(...flood) - Math.min(...flood), 'the flood queued').to.be.above(500);

    const unknown: number[] = [];
    const known: number[] = [];
    for (let round = 0; round < 15; round += 1) {
      unknown.push(await timedLogin(testApp, uniqueEmail('nobody')));
      known.push(await timedLogin(testApp, victim.email));
    }
    const [unknownMedian, knownMedian] = [median(unknown), median(known)];
    const gap = Math.abs(unknownMedian - knownMedian);
    expect(
      gap,
      `medians: unknown ${unknownMedian.toFixed(1)} ms, known ${knownMedian.toFixed(1)} ms`,
    ).to.be.below(Math.max(25, 0.5 * knownMedian));
    await testApp.deps.close();
  });
});
