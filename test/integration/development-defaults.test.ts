/**
 * What a frontend developer meets on the first start: in development the app at FRONTEND_URL
 * may call the API (REST and tRPC, preflight 204) unless CORS_ALLOWED_ORIGINS says otherwise;
 * production allows no origin by default; and the docs page loads on a plain-HTTP host.
 */
import { expect } from 'chai';
import { createTestApp, type TestApp } from '../helpers/app.js';

const FRONTEND = 'http://localhost:3000';
const TRPC_LOGIN = '/trpc/auth.login';
const REST_LOGIN = '/api/auth/login/';

const preflight = (app: TestApp, path: string, origin = FRONTEND) =>
  app
    .http()
    .options(path)
    .set('Origin', origin)
    .set('Access-Control-Request-Method', 'POST')
    .set('Access-Control-Request-Headers', 'content-type,trpc-accept');

describe('development defaults for a browser app', () => {
  describe('NODE_ENV=development with FRONTEND_URL only', () => {
    let app: TestApp;
    beforeEach(async () => {
      app = await createTestApp({ env: { NODE_ENV: 'development', FRONTEND_URL: FRONTEND } });
    });

    it("answers the tRPC preflight from FRONTEND_URL's origin with 204 and the CORS headers", async () => {
      const response = await preflight(app, TRPC_LOGIN);
      expect(response.status).to.equal(204);
      expect(response.headers['access-control-allow-origin']).to.equal(FRONTEND);
      expect(response.headers['access-control-allow-methods']).to.include('POST');
      expect(String(response.headers['access-control-allow-headers']).toLowerCase())
        .to.include('content-type')
        .and.include('trpc-accept');
    });

    it("lets FRONTEND_URL's origin read REST answers", async () => {
      expect((await preflight(app, REST_LOGIN)).status).to.equal(204);
      const response = await app
        .http()
        .post(REST_LOGIN)
        .set('Origin', FRONTEND)
        .send({ email: 'nobody@example.com', password: 'Correct-Horse-Battery-9' });
      expect(response.status).to.equal(401);
      expect(response.headers['access-control-allow-origin']).to.equal(FRONTEND);
    });

    it('gives any other origin no CORS permission', async () => {
      const response = await preflight(app, TRPC_LOGIN, 'http://localhost:5173');
      expect(response.headers).not.to.have.property('access-control-allow-origin');
    });
  });

  it('follows CORS_ALLOWED_ORIGINS instead of FRONTEND_URL when it is set', async () => {
    const app = await createTestApp({
      env: {
        NODE_ENV: 'development',
        FRONTEND_URL: FRONTEND,
        CORS_ALLOWED_ORIGINS: 'http://localhost:5173',
      },
    });
    expect((await preflight(app, TRPC_LOGIN)).headers).not.to.have.property(
      'access-control-allow-origin',
    );
    const allowed = await preflight(app, TRPC_LOGIN, 'http://localhost:5173');
    expect(allowed.status).to.equal(204);
    expect(allowed.headers['access-control-allow-origin']).to.equal('http://localhost:5173');
  });

  it('allows no origin by default outside development, not even FRONTEND_URL', async () => {
    const app = await createTestApp({
      env: { NODE_ENV: 'test', FRONTEND_URL: 'https://app.example.com' },
    });
    const response = await preflight(app, TRPC_LOGIN, 'https://app.example.com');
    expect(response.headers).not.to.have.property('access-control-allow-origin');
  });

  it('serves the docs page and its assets on a plain-HTTP, non-localhost host without upgrading them to https', async () => {
    const app = await createTestApp({ env: { ALLOWED_HOSTS: '192.0.2.10' } });
    const page = await app.http().get('/api/docs/').set('Host', '192.0.2.10:8000');
    expect(page.status).to.equal(200);
    const policy = String(page.headers['content-security-policy']);
    expect(policy).to.include("script-src 'self'");
    expect(policy).not.to.include('upgrade-insecure-requests');
    for (const asset of ['swagger-ui.css', 'swagger-ui-bundle.js', 'init.js']) {
      expect(page.text).to.include(`/api/docs/${asset}`);
      const response = await app.http().get(`/api/docs/${asset}`).set('Host', '192.0.2.10:8000');
      expect(response.status, asset).to.equal(200);
    }
  });
});
