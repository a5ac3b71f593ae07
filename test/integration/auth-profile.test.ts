import { expect } from 'chai';
import { bearer, createTestApp, type TestApp } from '../helpers/app.js';
import { login, registerUser, type RegisteredUser } from '../helpers/factories.js';
import { appErrorOf, models, userRow } from '../helpers/inspect.js';

describe('profile/ and profile/update/', () => {
  let testApp: TestApp;
  let user: RegisteredUser;
  beforeEach(async () => {
    testApp = await createTestApp();
    user = await registerUser(testApp, { full_name: 'Ada Lovelace' });
  });

  const update = (method: 'put' | 'patch', body: Record<string, unknown>) =>
    testApp.http()[method]('/api/auth/profile/update/').set(bearer(user.access)).send(body);

  it('GET returns exactly the user object, timestamps as ISO strings', async () => {
    await login(testApp, user.email, user.password);
    const response = await testApp.http().get('/api/auth/profile/').set(bearer(user.access));
    expect(response.status).to.equal(200);
    const row = await userRow(testApp, user.email);
    expect(response.body).to.deep.equal({
      id: row.id,
      email: row.email,
      full_name: 'Ada Lovelace',
      is_verified: false,
      is_staff: false,
      created_at: row.createdAt.toISOString(),
      last_login: row.lastLogin!.toISOString(),
    });
    expect(response.text).to.not.match(/password|hash|last_login_ip|is_active|is_superuser/i);
  });

  it('GET over tRPC returns the same object with Date timestamps', async () => {
    const result = await testApp.caller({ authorization: `Bearer ${user.access}` }).profile.get();
    const row = await userRow(testApp, user.email);
    expect(result).to.deep.equal({
      id: row.id,
      email: row.email,
      full_name: 'Ada Lovelace',
      is_verified: false,
      is_staff: false,
      created_at: row.createdAt,
      last_login: null,
    });
    expect(result.created_at).to.be.instanceOf(Date);
  });

  it('GET without a token is 401 NOT_AUTHENTICATED', async () => {
    const response = await testApp.http().get('/api/auth/profile/');
    expect(response.status).to.equal(401);
    expect(response.body.code).to.equal('NOT_AUTHENTICATED');
    expect(response.headers['www-authenticate']).to.match(/^Bearer\b/);
  });

  for (const method of ['put', 'patch'] as const) {
    it(`${method.toUpperCase()} changes the full name (trimmed) and records the change`, async () => {
      const response = await update(method, { full_name: '  Augusta Ada King  ' });
      expect(response.status).to.equal(200);
      expect(response.body).to.have.keys('message', 'user');
      expect(response.body.user.full_name).to.equal('Augusta Ada King');
      expect((await userRow(testApp, user.email)).fullName).to.equal('Augusta Ada King');
      const entry = await models(testApp).ActivityLog.findOne({
        where: { userId: user.id, action: 'profile_update' },
        raw: true,
      });
      expect(entry!.metadata).to.deep.equal({ fields: ['full_name'] });
    });
  }

  it('ignores read-only fields sent back by a client', async () => {
    const before = await userRow(testApp, user.email);
    const response = await update('put', {
      id: '00000000-0000-4000-8000-000000000009',
      email: 'someone.else@example.com',
      full_name: 'Ada L.',
      is_staff: true,
      is_verified: true,
      is_active: false,
      is_superuser: true,
      created_at: '2000-01-01T00:00:00.000Z',
      last_login: '2000-01-01T00:00:00.000Z',
      password: 'Another-Password-99',
    });
    expect(response.status).to.equal(200);
    expect(response.body.user).to.include({
      id: before.id,
      email: before.email,
      full_name: 'Ada L.',
      is_staff: false,
      is_verified: false,
    });
    const after = await userRow(testApp, user.email);
    expect(after).to.deep.include({
      id: before.id,
      email: before.email,
      fullName: 'Ada L.',
      isStaff: false,
      isVerified: false,
      isActive: true,
      isSuperuser: false,
      createdAt: before.createdAt,
      lastLogin: before.lastLogin,
      passwordHash: before.passwordHash,
    });
    expect(await models(testApp).User.count()).to.equal(1);
  });

  it('refuses a blank or too long full name under errors.full_name, changing nothing', async () => {
    for (const [fullName, message] of [
      ['   ', 'This field may not be blank.'],
      ['', 'This field may not be blank.'],
      ['x'.repeat(256), 'Ensure this field has no more than 255 characters.'],
    ] as const) {
      for (const method of ['put', 'patch'] as const) {
        const response = await update(method, { full_name: fullName });
        expect(response.status).to.equal(400);
        expect(response.body.code).to.equal('VALIDATION_ERROR');
        expect(response.body.errors).to.deep.equal({ full_name: [message] });
      }
    }
    expect((await userRow(testApp, user.email)).fullName).to.equal('Ada Lovelace');
    expect(
      await models(testApp).ActivityLog.count({ where: { action: 'profile_update' } }),
    ).to.equal(0);
  });

  it('serves the path without the trailing slash too', async () => {
    const response = await testApp
      .http()
      .patch('/api/auth/profile/update')
      .set(bearer(user.access))
      .send({ full_name: 'No Slash' });
    expect(response.status).to.equal(200);
    expect((await userRow(testApp, user.email)).fullName).to.equal('No Slash');
  });

  it('updates over tRPC with the same rules', async () => {
    const caller = testApp.caller({ authorization: `Bearer ${user.access}` });
    const result = await caller.profile.update({ full_name: ' Countess ' });
    expect(result.user.full_name).to.equal('Countess');
    expect(result.user.created_at).to.be.instanceOf(Date);
    const error = await appErrorOf(caller.profile.update({ full_name: ' ' }));
    expect(error.code).to.equal('VALIDATION_ERROR');
    expect(error.fieldErrors).to.deep.equal({ full_name: ['This field may not be blank.'] });
    expect((await userRow(testApp, user.email)).fullName).to.equal('Countess');
  });
});
