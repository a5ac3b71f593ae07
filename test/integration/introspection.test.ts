/**
 * RFC 7662 introspection and the RFC 8414 metadata: what a resource server that must see a
 * logout at once relies on.
 */
import { expect } from 'chai';
import { bearer, createTestApp, type TestApp } from '../helpers/app.js';
import { ManualClock } from '../helpers/clock.js';
import { registerUser, type RegisteredUser } from '../helpers/factories.js';

const CLIENT = { id: 'orders-api', secret: 'orders-secret-0123456789' };
const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

describe('token introspection', () => {
  let clock: ManualClock;
  let testApp: TestApp;
  let user: RegisteredUser;
  beforeEach(async () => {
    clock = new ManualClock();
    testApp = await createTestApp({
      env: {
        JWT_ALGORITHM: 'EdDSA',
        INTROSPECTION_CLIENTS: `${CLIENT.id}:${CLIENT.secret},other:another-secret-0123456`,
      },
      overrides: { clock },
    });
    user = await registerUser(testApp);
  });

  const introspect = (token: string, authorization = basic(CLIENT.id, CLIENT.secret)) =>
    testApp
      .http()
      .post('/api/auth/introspect/')
      .set('Authorization', authorization)
      .send({ token });

  it('describes a live access token', async () => {
    const response = await introspect(user.access);
    expect(response.status).to.equal(200);
    expect(response.headers['cache-control']).to.equal('no-store');
    expect(response.body).to.include({
      active: true,
      sub: user.id,
      token_type: 'access',
      iss: 'auth-service',
      aud: 'auth-service',
    });
    expect(response.body).to.have.keys(
      'active',
      'sub',
      'sid',
      'jti',
      'token_type',
      'exp',
      'iat',
      'iss',
      'aud',
    );
  });

  it('takes the token form-encoded too, and without the trailing slash', async () => {
    const response = await testApp
      .http()
      .post('/api/auth/introspect')
      .set('Authorization', basic(CLIENT.id, CLIENT.secret))
      .type('form')
      .send({ token: user.access });
    expect(response.status).to.equal(200);
    expect(response.body.active).to.equal(true);
  });

  it('says inactive at once after a logout, and for expired, refresh, forged and garbage tokens', async () => {
    const other = await registerUser(testApp);
    const logout = await testApp.http().post('/api/auth/logout/').set(bearer(user.access)).send({});
    expect(logout.status).to.equal(200);
    expect((await introspect(user.access)).body).to.deep.equal({ active: false });

    expect((await introspect(other.refresh)).body).to.deep.equal({ active: false });
    const [header, payload] = other.access.split('.');
    expect((await introspect(`${header}.${payload}.AAAA`)).body).to.deep.equal({ active: false });
    expect((await introspect('not-a-token')).body).to.deep.equal({ active: false });
    expect((await introspect(other.access)).body.active).to.equal(true);
    clock.advanceSeconds(15 * 60 + 1);
    expect((await introspect(other.access)).body).to.deep.equal({ active: false });
  });

  it('is 401 with WWW-Authenticate: Basic without, or with wrong, client credentials', async () => {
    for (const authorization of [
      '',
      bearer(user.access).Authorization,
      basic(CLIENT.id, 'wrong-secret-0123456789'),
      basic('stranger', CLIENT.secret),
    ]) {
      const response = await introspect(user.access, authorization);
      expect(response.status, authorization).to.equal(401);
      expect(response.headers['www-authenticate']).to.match(/^Basic\b/);
      expect(response.body.code).to.be.oneOf(['NOT_AUTHENTICATED', 'AUTHENTICATION_FAILED']);
    }
  });

  it('is a 400 without a token, never a 500', async () => {
    const response = await testApp
      .http()
      .post('/api/auth/introspect/')
      .set('Authorization', basic(CLIENT.id, CLIENT.secret))
      .send({});
    expect(response.status).to.equal(400);
    expect(response.body.code).to.equal('VALIDATION_ERROR');
  });

  it('publishes RFC 8414 metadata pointing at the JWKS and introspection', async () => {
    const response = await testApp.http().get('/.well-known/oauth-authorization-server');
    expect(response.status).to.equal(200);
    expect(response.body.issuer).to.equal('auth-service');
    expect(response.body.jwks_uri).to.match(/\/\.well-known\/jwks\.json$/);
    expect(response.body.introspection_endpoint).to.match(/\/api\/auth\/introspect\/$/);
    expect(response.body.token_endpoint_auth_methods_supported).to.be.an('array');
  });
});
