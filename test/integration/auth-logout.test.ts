import { expect } from 'chai';
import { bearer, createTestApp, type TestApp } from '../helpers/app.js';
import { login, registerUser } from '../helpers/factories.js';
import { appErrorOf, decodeClaims, models } from '../helpers/inspect.js';

describe('logout/', () => {
  let testApp: TestApp;
  beforeEach(async () => {
    testApp = await createTestApp();
  });

  const logout = (access: string | null, body: Record<string, unknown> = {}) => {
    const request = testApp.http().post('/api/auth/logout/');
    if (access) request.set(bearer(access));
    return request.send(body);
  };
  const profile = (access: string) => testApp.http().get('/api/auth/profile/').set(bearer(access));
  const refresh = (token: string) =>
    testApp.http().post('/api/auth/refresh/').send({ refresh: token });

  it('revokes the presented access token at once', async () => {
    const user = await registerUser(testApp);
    expect((await profile(user.access)).status).to.equal(200);

    const response = await logout(user.access);
    expect(response.status).to.equal(200);
    expect(response.body).to.deep.equal({ message: 'Logout successful.' });

    const after = await profile(user.access);
    expect(after.status).to.equal(401);
    expect(after.body.code).to.equal('TOKEN_INVALID');
    expect(after.headers['www-authenticate']).to.match(/^Bearer\b/);

    const sid = decodeClaims(user.access).sid as string;
    const session = await models(testApp).Session.findByPk(sid, { raw: true });
    expect(session!.revokedAt).to.be.instanceOf(Date);
    expect(session!.revokedReason).to.equal('logout');
    const entries = await models(testApp).ActivityLog.findAll({
      where: { userId: user.id, action: 'logout' },
      raw: true,
    });
    expect(entries).to.have.length(1);
    expect(entries[0]!.metadata).to.deep.equal({ session_id: sid });
  });

  it('revokes the refresh token it is given', async () => {
    const user = await registerUser(testApp);
    expect((await logout(user.access, { refresh: user.refresh })).status).to.equal(200);
    const response = await refresh(user.refresh);
    expect(response.status).to.equal(401);
    expect(response.body.code).to.equal('TOKEN_INVALID');
    const tokens = await models(testApp).RefreshToken.findAll({ raw: true });
    expect(tokens).to.have.length(1);
    expect(tokens[0]!.revokedAt).to.be.instanceOf(Date);
  });

  it('also ends the other session of the same user whose refresh token is given', async () => {
    const user = await registerUser(testApp);
    const other = await login(testApp, user.email, user.password);
    expect((await logout(user.access, { refresh: other.refresh })).status).to.equal(200);
    expect((await refresh(other.refresh)).status).to.equal(401);
    expect((await profile(other.access)).status).to.equal(401);
  });

  it('leaves the user’s other sessions alone when no refresh token is given', async () => {
    const user = await registerUser(testApp);
    const other = await login(testApp, user.email, user.password);
    expect((await logout(user.access)).status).to.equal(200);
    expect((await profile(other.access)).status).to.equal(200);
    expect((await refresh(other.refresh)).status).to.equal(200);
    // The refresh token of the ended session is refused even though it was not sent.
    expect((await refresh(user.refresh)).status).to.equal(401);
  });

  it('refuses a refresh token of another user with 400 errors.refresh, revoking nothing', async () => {
    const user = await registerUser(testApp);
    const stranger = await registerUser(testApp);
    const response = await logout(user.access, { refresh: stranger.refresh });
    expect(response.status).to.equal(400);
    expect(response.body.code).to.equal('VALIDATION_ERROR');
    expect(response.body.errors).to.have.keys('refresh');
    expect(await models(testApp).Session.count({ where: { revokedAt: null } })).to.equal(2);
    expect((await profile(user.access)).status).to.equal(200);
    expect((await refresh(stranger.refresh)).status).to.equal(200);
  });

  it('refuses something that is not a refresh token with 400 errors.refresh', async () => {
    const user = await registerUser(testApp);
    for (const token of ['not-a-token', user.access]) {
      const response = await logout(user.access, { refresh: token });
      expect(response.status).to.equal(400);
      expect(response.body.errors).to.have.keys('refresh');
    }
    expect((await profile(user.access)).status).to.equal(200);
  });

  it('answers 401 NOT_AUTHENTICATED with WWW-Authenticate: Bearer without a token', async () => {
    for (const authorization of [null, 'Token abc', 'Basic dXNlcjpwYXNz']) {
      const request = testApp.http().post('/api/auth/logout/');
      if (authorization) request.set('Authorization', authorization);
      const response = await request.send({});
      expect(response.status, String(authorization)).to.equal(401);
      expect(response.body).to.deep.equal({
        detail: 'Authentication credentials were not provided.',
        code: 'NOT_AUTHENTICATED',
      });
      expect(response.headers['www-authenticate']).to.match(/^Bearer\b/);
    }
  });

  it('answers 401 TOKEN_INVALID for a garbled token', async () => {
    const response = await logout('garbage.token.value');
    expect(response.status).to.equal(401);
    expect(response.body.code).to.equal('TOKEN_INVALID');
  });

  it('accepts a request without a body', async () => {
    const user = await registerUser(testApp);
    const response = await testApp.http().post('/api/auth/logout').set(bearer(user.access));
    expect(response.status).to.equal(200);
    expect((await profile(user.access)).status).to.equal(401);
  });

  describe('over tRPC', () => {
    it('revokes the session and the given refresh token', async () => {
      const user = await registerUser(testApp);
      const caller = testApp.caller({ authorization: `Bearer ${user.access}` });
      expect(await caller.auth.logout({ refresh: user.refresh })).to.deep.equal({
        message: 'Logout successful.',
      });
      expect((await appErrorOf(caller.profile.get())).code).to.equal('TOKEN_INVALID');
      expect(
        (await appErrorOf(testApp.caller().auth.refresh({ refresh: user.refresh }))).code,
      ).to.equal('TOKEN_INVALID');
      expect((await appErrorOf(testApp.caller().auth.logout())).code).to.equal('NOT_AUTHENTICATED');
    });
  });
});
