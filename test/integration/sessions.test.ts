import { expect } from 'chai';
import { bearer, createTestApp, type TestApp } from '../helpers/app.js';
import { signedIn, type SignedInAccount } from '../helpers/accounts.js';
import { login } from '../helpers/factories.js';

const sessionIdOf = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')).sid as string;

describe('sessions/, sessions/{id}/ and logout-all/', () => {
  let testApp: TestApp;
  beforeEach(async () => {
    testApp = await createTestApp();
  });

  const profile = (access: string) => testApp.http().get('/api/auth/profile/').set(bearer(access));
  const list = (access: string) => testApp.http().get('/api/auth/sessions/').set(bearer(access));
  const revoke = (access: string, id: string) =>
    testApp.http().delete(`/api/auth/sessions/${id}/`).set(bearer(access));
  const refresh = (token: string) =>
    testApp.http().post('/api/auth/refresh/').send({ refresh: token });
  const actions = async (userId: string) =>
    (
      await testApp.deps.database.models.ActivityLog.findAll({
        where: { userId },
        order: [['id', 'ASC']],
        raw: true,
      })
    ).map((entry) => ({ action: entry.action, metadata: entry.metadata }));

  /** One account signed in from a phone and from a laptop. */
  async function twoDevices(): Promise<{
    user: SignedInAccount;
    phone: { access: string; refresh: string };
  }> {
    const user = await signedIn(testApp, {}, { 'User-Agent': 'Laptop/1.0' });
    const phone = await login(testApp, user.email, user.password, { 'User-Agent': 'Phone/2.0' });
    return { user, phone };
  }

  it("lists the caller's active sessions with IP, user agent and which one is current", async () => {
    const { user, phone } = await twoDevices();
    const stranger = await signedIn(testApp);
    const ended = await login(testApp, user.email, user.password, { 'User-Agent': 'Old/0.1' });
    expect((await revoke(user.access, sessionIdOf(ended.access))).status).to.equal(200);

    const response = await list(user.access);
    expect(response.status).to.equal(200);
    expect(response.body.results).to.have.length(2);
    const byAgent = Object.fromEntries(
      response.body.results.map((session: { user_agent: string }) => [session.user_agent, session]),
    );
    expect(byAgent['Laptop/1.0']).to.include({
      id: sessionIdOf(user.access),
      current: true,
      ip_address: '127.0.0.1',
    });
    expect(byAgent['Phone/2.0']).to.include({ id: sessionIdOf(phone.access), current: false });
    for (const session of response.body.results) {
      expect(session).to.have.keys(
        'id',
        'created_at',
        'last_used_at',
        'expires_at',
        'ip_address',
        'user_agent',
        'current',
      );
      expect(new Date(session.created_at).toISOString()).to.equal(session.created_at);
      expect(session.id).to.not.equal(sessionIdOf(stranger.access));
    }
  });

  it('ends another session so that its access token is refused on the very next request', async () => {
    const { user, phone } = await twoDevices();
    // The phone's session is known to the cache as active before it is revoked.
    expect((await profile(phone.access)).status).to.equal(200);

    const response = await revoke(user.access, sessionIdOf(phone.access));
    expect(response.status).to.equal(200);
    expect(response.body).to.deep.equal({ message: 'Session revoked.' });

    const refused = await profile(phone.access);
    expect(refused.status).to.equal(401);
    expect(refused.body.code).to.equal('TOKEN_INVALID');
    expect((await refresh(phone.refresh)).status).to.equal(401);
    expect((await profile(user.access)).status).to.equal(200);

    const stored = await testApp.deps.database.models.Session.findByPk(sessionIdOf(phone.access));
    expect(stored!.revokedReason).to.equal('session_revoked');
    expect(await actions(user.id)).to.deep.include({
      action: 'session_revoked',
      metadata: { session_id: sessionIdOf(phone.access), current: false },
    });
    const remaining = await list(user.access);
    expect(remaining.body.results.map((session: { id: string }) => session.id)).to.deep.equal([
      sessionIdOf(user.access),
    ]);
  });

  it('logs the caller out when the revoked session is the current one', async () => {
    const { user, phone } = await twoDevices();
    const response = await revoke(user.access, sessionIdOf(user.access).toUpperCase());
    expect(response.status).to.equal(200);
    expect(response.body.message).to.match(/logged out/);
    expect((await profile(user.access)).status).to.equal(401);
    expect((await refresh(user.refresh)).status).to.equal(401);
    expect((await profile(phone.access)).status).to.equal(200);
  });

  it("answers 404 for another user's session and leaves that session working", async () => {
    const { user } = await twoDevices();
    const stranger = await signedIn(testApp);
    const response = await revoke(user.access, sessionIdOf(stranger.access));
    expect(response.status).to.equal(404);
    expect(response.body.code).to.equal('NOT_FOUND');
    expect((await profile(stranger.access)).status).to.equal(200);
    const stored = await testApp.deps.database.models.Session.findByPk(
      sessionIdOf(stranger.access),
    );
    expect(stored!.revokedAt).to.equal(null);
    expect((await actions(user.id)).map((entry) => entry.action)).to.not.include('session_revoked');
  });

  it('answers 404 for an unknown, malformed or already ended session id', async () => {
    const { user, phone } = await twoDevices();
    expect((await revoke(user.access, sessionIdOf(phone.access))).status).to.equal(200);
    for (const id of [sessionIdOf(phone.access), crypto.randomUUID(), 'not-a-session']) {
      const response = await revoke(user.access, id);
      expect(response.status, id).to.equal(404);
      expect(response.body.code).to.equal('NOT_FOUND');
    }
  });

  it('logs out everywhere: every session and the presented access token end at once', async () => {
    const { user, phone } = await twoDevices();
    const stranger = await signedIn(testApp);
    expect((await profile(phone.access)).status).to.equal(200);

    const response = await testApp
      .http()
      .post('/api/auth/logout-all/')
      .set(bearer(user.access))
      .send({});
    expect(response.status).to.equal(200);
    expect(response.body).to.deep.equal({
      message: 'Logged out of all sessions.',
      sessions_revoked: 2,
    });

    for (const tokens of [user, phone]) {
      const refused = await profile(tokens.access);
      expect(refused.status).to.equal(401);
      expect(refused.body.code).to.equal('TOKEN_INVALID');
      expect((await refresh(tokens.refresh)).status).to.equal(401);
    }
    expect((await profile(stranger.access)).status).to.equal(200);
    const open = await testApp.deps.database.models.Session.count({
      where: { userId: user.id, revokedAt: null },
    });
    expect(open).to.equal(0);
    expect(await actions(user.id)).to.deep.include({
      action: 'logout_all',
      metadata: { sessions_revoked: 2 },
    });
  });

  it('refuses the session procedures without a token', async () => {
    const responses = [
      await testApp.http().get('/api/auth/sessions/'),
      await testApp.http().delete(`/api/auth/sessions/${crypto.randomUUID()}/`),
      await testApp.http().post('/api/auth/logout-all/').send({}),
    ];
    for (const response of responses) {
      expect(response.status).to.equal(401);
      expect(response.body.code).to.equal('NOT_AUTHENTICATED');
    }
  });

  it('serves the same procedures over tRPC', async () => {
    const { user, phone } = await twoDevices();
    const caller = testApp.caller({ authorization: `Bearer ${user.access}` });
    const sessions = await caller.sessions.list();
    expect(sessions.results).to.have.length(2);
    expect(sessions.results[0]!.created_at).to.be.instanceOf(Date);
    await caller.sessions.revoke({ id: sessionIdOf(phone.access) });
    expect((await caller.sessions.list()).results).to.have.length(1);
    expect(await caller.auth.logoutAll()).to.deep.equal({
      message: 'Logged out of all sessions.',
      sessions_revoked: 1,
    });
  });
});
