import { expect } from 'chai';
import { bearer, createTestApp, type TestApp } from '../helpers/app.js';
import { login, registerUser, STRONG_PASSWORD, uniqueEmail } from '../helpers/factories.js';

describe('the documented auth flow over REST', () => {
  let testApp: TestApp;
  beforeEach(async () => {
    testApp = await createTestApp();
  });

  it('registers, reads the profile, rotates the refresh token and logs out', async () => {
    const email = uniqueEmail();
    const user = await registerUser(testApp, { email: email.toUpperCase() });
    expect(user.email).to.equal(email.toLowerCase());

    const profile = await testApp.http().get('/api/auth/profile/').set(bearer(user.access));
    expect(profile.status).to.equal(200);
    expect(profile.body).to.include({
      email: email.toLowerCase(),
      full_name: 'Ada Lovelace',
      is_verified: false,
    });
    expect(profile.body.last_login).to.equal(null);

    const tokens = await login(testApp, email, STRONG_PASSWORD);
    const refreshed = await testApp
      .http()
      .post('/api/auth/refresh')
      .send({ refresh: tokens.refresh });
    expect(refreshed.status).to.equal(200);
    expect(refreshed.body).to.have.keys('access', 'refresh');

    const logout = await testApp
      .http()
      .post('/api/auth/logout/')
      .set(bearer(refreshed.body.access))
      .send({ refresh: refreshed.body.refresh });
    expect(logout.status).to.equal(200);
    const after = await testApp.http().get('/api/auth/profile/').set(bearer(refreshed.body.access));
    expect(after.status).to.equal(401);
    expect(after.body.code).to.equal('TOKEN_INVALID');
    expect(after.headers['www-authenticate']).to.match(/^Bearer/);
  });

  it('serves the same procedures over tRPC with dates as Date objects', async () => {
    const user = await registerUser(testApp);
    const profile = await testApp.caller({ authorization: `Bearer ${user.access}` }).profile.get();
    expect(profile.created_at).to.be.instanceOf(Date);
    expect(profile.email).to.equal(user.email);
  });
});
