/**
 * The errors no other suite needs (the HTTP layer's own: malformed JSON, a wrong media type, a
 * body too large, an unknown path, a wrong method; a 503 and a 429), provoked here and held
 * against the contract's envelope. Every error answer of every suite is held against it too, by
 * the root hook after the last suite (test/setup.ts).
 */
import { expect } from 'chai';
import { ScryptPasswordHasher } from '../../server/lib/password-hasher.js';
import { createTestApp } from '../helpers/app.js';
import { envelopeProblems, recordedErrors } from '../helpers/error-envelopes.js';
import { registerUser, uniqueEmail } from '../helpers/factories.js';

/** The provocations of this file: errors of the HTTP layer itself, and a 503 and a 429. */
async function provokeOwnErrors() {
  const testApp = await createTestApp({ env: { BODY_LIMIT_BYTES: '2048' } });
  const http = () => testApp.http();
  await http()
    .post('/api/auth/login/')
    .set('Content-Type', 'application/json')
    .send('{"email": "a@b.c", "password": ');
  await http().post('/api/auth/login/').set('Content-Type', 'text/plain').send('email=a@b.c');
  await http()
    .post('/api/auth/register/')
    .send({ email: 'big@example.com', full_name: 'x'.repeat(4096) });
  await http()
    .post('/api/auth/login/')
    .send([{ email: 'a@b.c' }]);
  await http().get('/api/auth/no-such-endpoint/');
  await http().delete('/api/auth/login/');
  await http().get('/api/auth/profile/');
  await http().get('/api/auth/profile/').set('Authorization', 'Bearer not.a.jwt');
  await http().post('/api/auth/refresh/').send({ refresh: 'not.a.jwt' });
  await http()
    .post('/api/auth/login/')
    .send({ email: uniqueEmail('none'), password: 'x' });

  // 503: a hasher with one slot and no queue, and several logins at once.
  const user = await registerUser(testApp);
  const saturated = await createTestApp({
    overrides: {
      hasher: new ScryptPasswordHasher({ logN: 12, r: 8, p: 1 }, { concurrency: 1, queueLimit: 0 }),
    },
  });
  await Promise.all(
    Array.from({ length: 5 }, () =>
      saturated.http().post('/api/auth/login/').send({ email: user.email, password: 'Wrong-1234' }),
    ),
  );

  // 429 where rate limiting exists: a burst of failed logins for one account.
  const limited = await createTestApp({ env: { RATE_LIMIT_ENABLED: 'true' } });
  for (let attempt = 0; attempt < 12; attempt += 1) {
    await limited
      .http()
      .post('/api/auth/login/')
      .send({ email: user.email, password: `Wrong-${attempt}` });
  }
}

describe('error answers of the HTTP layer itself', () => {
  it('are in the envelope, with the headers the contract promises, for every kind', async function () {
    this.timeout(60_000);
    const before = recordedErrors.length;
    await provokeOwnErrors();
    const own = recordedErrors.slice(before);
    const testApp = await createTestApp();
    const document = (await testApp.http().get('/api/openapi.json').expect(200)).body;
    expect(envelopeProblems(own, document)).to.deep.equal([]);
    const statuses = new Set(own.map((error) => error.status));
    for (const status of [400, 401, 404, 405, 413, 415, 429, 503]) {
      expect(statuses.has(status), `a ${status} was provoked`).to.equal(true);
    }
  });
});
