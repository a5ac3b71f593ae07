import { expect } from 'chai';
import { bearer, createTestApp, type TestApp } from '../helpers/app.js';
import { login, registerUser, STRONG_PASSWORD, type RegisteredUser } from '../helpers/factories.js';
import { appErrorOf, decodeClaims, models, userRow } from '../helpers/inspect.js';

const NEW_PASSWORD = 'Fresh-Passphrase-2026';

describe('change-password/', () => {
  let testApp: TestApp;
  let user: RegisteredUser;
  beforeEach(async () => {
    testApp = await createTestApp();
    user = await registerUser(testApp);
  });

  const change = (access: string, body: Record<string, unknown>) =>
    testApp.http().post('/api/auth/change-password/').set(bearer(access)).send(body);
  type ChangeBody = {
    current_password: string;
    new_password: string;
    new_password_confirm: string;
  };
  const valid = (overrides: Partial<ChangeBody> = {}): ChangeBody => ({
    current_password: STRONG_PASSWORD,
    new_password: NEW_PASSWORD,
    new_password_confirm: NEW_PASSWORD,
    ...overrides,
  });
  const profileStatus = async (access: string) =>
    (await testApp.http().get('/api/auth/profile/').set(bearer(access))).status;
  const refreshStatus = async (refresh: string) =>
    (await testApp.http().post('/api/auth/refresh/').send({ refresh })).status;
  const loginStatus = async (password: string) =>
    (await testApp.http().post('/api/auth/login/').send({ email: user.email, password })).status;

  it('refuses a wrong current password with errors.current_password, changing nothing', async () => {
    const before = (await userRow(testApp, user.email)).passwordHash;
    const response = await change(user.access, valid({ current_password: 'Not-My-Password-1' }));
    expect(response.status).to.equal(400);
    expect(response.body.code).to.equal('VALIDATION_ERROR');
    expect(response.body.errors).to.deep.equal({
      current_password: ['Current password is incorrect.'],
    });
    expect((await userRow(testApp, user.email)).passwordHash).to.equal(before);
    expect(await profileStatus(user.access)).to.equal(200);
    expect(await refreshStatus(user.refresh)).to.equal(200);
  });

  it('changes the password and returns a fresh pair that works', async () => {
    const response = await change(user.access, valid());
    expect(response.status).to.equal(200);
    expect(response.body).to.have.keys('message', 'tokens');
    expect(response.body.message).to.equal('Password changed successfully.');
    expect(response.body.tokens).to.have.keys('access', 'refresh');
    expect(await profileStatus(response.body.tokens.access)).to.equal(200);
    expect(await refreshStatus(response.body.tokens.refresh)).to.equal(200);

    expect(await loginStatus(NEW_PASSWORD)).to.equal(200);
    expect(await loginStatus(STRONG_PASSWORD)).to.equal(401);
    const entry = await models(testApp).ActivityLog.findOne({
      where: { userId: user.id, action: 'password_change' },
      raw: true,
    });
    expect(entry).to.not.equal(null);
    expect(testApp.mailer.last('password_changed')!.to).to.equal(user.email);
  });

  it('ends every other session of the user, and this session’s old refresh token', async () => {
    const other = await login(testApp, user.email, user.password);
    const third = await login(testApp, user.email, user.password);
    const response = await change(user.access, valid());
    expect(response.status).to.equal(200);

    for (const session of [other, third]) {
      expect(await profileStatus(session.access)).to.equal(401);
      expect(await refreshStatus(session.refresh)).to.equal(401);
    }
    expect(await refreshStatus(user.refresh)).to.equal(401);
    // This session lives on, under the new pair.
    const sid = decodeClaims(user.access).sid as string;
    expect(decodeClaims(response.body.tokens.refresh).sid).to.equal(sid);
    expect(await profileStatus(response.body.tokens.access)).to.equal(200);

    const sessions = await models(testApp).Session.findAll({
      where: { userId: user.id },
      raw: true,
    });
    expect(sessions.filter((session) => session.revokedAt === null).map((s) => s.id)).to.deep.equal(
      [sid],
    );
    expect(
      sessions.filter((session) => session.revokedAt).map((session) => session.revokedReason),
    ).to.deep.equal(['password_change', 'password_change']);
  });

  it('applies the password policy to the new password under errors.new_password', async () => {
    const weak = await change(
      user.access,
      valid({ new_password: 'sunshine', new_password_confirm: 'sunshine' }),
    );
    expect(weak.status).to.equal(400);
    expect(weak.body.errors).to.deep.equal({ new_password: ['This password is too common.'] });

    const mismatch = await change(
      user.access,
      valid({ new_password_confirm: 'Something-Else-88' }),
    );
    expect(mismatch.status).to.equal(400);
    expect(mismatch.body.errors).to.deep.equal({
      new_password_confirm: ['Passwords do not match.'],
    });
    expect(await loginStatus(STRONG_PASSWORD)).to.equal(200);
  });

  it('requires a token', async () => {
    const response = await testApp.http().post('/api/auth/change-password/').send(valid());
    expect(response.status).to.equal(401);
    expect(response.body.code).to.equal('NOT_AUTHENTICATED');
    expect(response.headers['www-authenticate']).to.match(/^Bearer\b/);
  });

  describe('over tRPC', () => {
    it('changes the password with the same rules', async () => {
      const other = await login(testApp, user.email, user.password);
      const caller = testApp.caller({ authorization: `Bearer ${user.access}` });
      const wrong = await appErrorOf(
        caller.auth.changePassword(valid({ current_password: 'nope' })),
      );
      expect(wrong.code).to.equal('VALIDATION_ERROR');
      expect(wrong.fieldErrors).to.deep.equal({
        current_password: ['Current password is incorrect.'],
      });
      const result = await caller.auth.changePassword(valid());
      expect(result.tokens).to.have.keys('access', 'refresh');
      expect(await profileStatus(other.access)).to.equal(401);
      expect(await loginStatus(NEW_PASSWORD)).to.equal(200);
    });
  });
});
