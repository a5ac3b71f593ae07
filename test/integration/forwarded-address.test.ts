/**
 * Behind a proxy (TRUST_PROXY), X-Forwarded-For is client input like any other: an entry with
 * a port counts without it, an entry that is no address is ignored for the peer's, and login
 * (which records the address in the session, the activity log and last_login_ip) never fails
 * because of it, over REST and tRPC, single and batched.
 */
import { expect } from 'chai';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createAccount } from '../helpers/accounts.js';
import { models, userRow } from '../helpers/inspect.js';

/** [what the proxy chain forwarded, the address that must be recorded] */
const FORWARDED: Array<[string, string]> = [
  ['not-an-ip', '127.0.0.1'],
  ['203.0.113.9:4711', '203.0.113.9'],
  ['[2001:db8::1]:443', '2001:db8::1'],
  ['[2001:db8::2]', '2001:db8::2'],
  ['unknown', '127.0.0.1'],
  ['fe80::1%eth0', '127.0.0.1'],
  ['203.0.113.300', '127.0.0.1'],
  ['<script>', '127.0.0.1'],
  ['198.51.100.1, 203.0.113.10:80', '203.0.113.10'],
  ['203.0.113.11,', '203.0.113.11'],
  ['', '127.0.0.1'],
];

describe('forwarded addresses (TRUST_PROXY=1)', () => {
  let testApp: TestApp;
  beforeEach(async () => {
    testApp = await createTestApp({ env: { TRUST_PROXY: '1' } });
  });

  /** Where a login writes the client address: the user, the activity entry, the session. */
  async function recordedAddresses(email: string) {
    const user = await userRow(testApp, email);
    const { ActivityLog, Session } = models(testApp);
    const entries = await ActivityLog.findAll({
      where: { userId: user.id, action: 'login' },
      raw: true,
    });
    const sessions = await Session.findAll({ where: { userId: user.id }, raw: true });
    return {
      lastLogin: user.lastLoginIp,
      activity: entries.map((entry) => entry.ipAddress),
      sessions: sessions.map((session) => session.ipAddress),
    };
  }

  for (const [forwarded, recorded] of FORWARDED) {
    it(`REST login with X-Forwarded-For ${JSON.stringify(forwarded)} records ${recorded}`, async () => {
      const account = await createAccount(testApp);
      const response = await testApp
        .http()
        .post('/api/auth/login/')
        .set('X-Forwarded-For', forwarded)
        .send({ email: account.email, password: account.password });
      expect(response.status, JSON.stringify(response.body)).to.equal(200);
      expect(await recordedAddresses(account.email)).to.deep.equal({
        lastLogin: recorded,
        activity: [recorded],
        sessions: [recorded],
      });
    });
  }

  it('tRPC login, single and batched, records the address without the port or the peer', async () => {
    const [one, two, three] = [
      await createAccount(testApp),
      await createAccount(testApp),
      await createAccount(testApp),
    ];
    const single = await testApp
      .http()
      .post('/trpc/auth.login')
      .set('X-Forwarded-For', '[2001:db8::7]:8443')
      .send({ json: { email: one.email, password: one.password } });
    expect(single.status, JSON.stringify(single.body)).to.equal(200);
    expect((await recordedAddresses(one.email)).lastLogin).to.equal('2001:db8::7');

    // A batch holds one password check at most; the other call is a forgot-password.
    const batched = await testApp
      .http()
      .post('/trpc/auth.login,auth.forgotPassword?batch=1')
      .set('X-Forwarded-For', 'not-an-ip')
      .send({
        0: { json: { email: two.email, password: two.password } },
        1: { json: { email: three.email } },
      });
    expect(batched.status, JSON.stringify(batched.body)).to.equal(200);
    for (const account of [two]) {
      expect(await recordedAddresses(account.email)).to.deep.equal({
        lastLogin: '127.0.0.1',
        activity: ['127.0.0.1'],
        sessions: ['127.0.0.1'],
      });
    }
  });

  it('register records the forwarded address without its port', async () => {
    const response = await testApp
      .http()
      .post('/api/auth/register/')
      .set({
        'X-Forwarded-For': '198.51.100.23:5123',
      })
      .send({
        email: 'forwarded@example.com',
        full_name: 'Ada Lovelace',
        password: 'Correct-Horse-Battery-9',
        password_confirm: 'Correct-Horse-Battery-9',
      });
    expect(response.status, JSON.stringify(response.body)).to.equal(201);
    const entry = await models(testApp).ActivityLog.findOne({
      where: { userId: response.body.user.id, action: 'register' },
      raw: true,
    });
    expect(entry!.ipAddress).to.equal('198.51.100.23');
  });
});
