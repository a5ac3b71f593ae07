/**
 * How the service serves the admin console's build at /admin/: the app's page for every route,
 * hashed assets cached for good, a strict Content-Security-Policy, and a clear page (not a
 * blank one) when the console has not been built. A small stand-in build keeps this suite
 * independent of `npm run build`; the browser suite (test/console/) runs the real one.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { createTestApp, type TestApp } from '../helpers/app.js';

const PAGE =
  '<!doctype html><meta name="token-transport" content="memory" />' +
  '<script type="module" src="/admin/assets/index-Ab12Cd.js"></script>';

describe('the admin console at /admin/', () => {
  let directory: string;
  let testApp: TestApp;

  before(() => {
    directory = mkdtempSync(join(tmpdir(), 'admin-console-'));
    mkdirSync(join(directory, 'assets'));
    writeFileSync(join(directory, 'index.html'), PAGE);
    writeFileSync(join(directory, 'assets', 'index-Ab12Cd.js'), 'console.log("console");');
    writeFileSync(join(directory, 'assets', 'index-Ef34Gh.css'), 'body { margin: 0 }');
    writeFileSync(join(directory, 'secret.txt'), 'not an asset');
  });

  after(() => rmSync(directory, { recursive: true, force: true }));

  beforeEach(async () => {
    testApp = await createTestApp({ env: { ADMIN_CONSOLE_DIR: directory } });
  });

  const get = (path: string) => testApp.http().get(path);

  it('answers the app page for the console root and every client-side route, never cached stale', async () => {
    for (const path of [
      '/admin/',
      '/admin/users/3f1c0000-0000-4000-8000-000000000000',
      '/admin/x?q=1',
    ]) {
      const response = await get(path);
      expect(response.status, path).to.equal(200);
      expect(response.headers['content-type']).to.equal('text/html; charset=utf-8');
      expect(response.headers['cache-control']).to.equal('no-cache');
      expect(response.text).to.equal(PAGE);
    }
  });

  it('tells the console to keep its session in the cookie when AUTH_COOKIES is on', async () => {
    const cookieApp = await createTestApp({
      env: { ADMIN_CONSOLE_DIR: directory, AUTH_COOKIES: 'true' },
    });
    const response = await cookieApp.http().get('/admin/users/x');
    expect(response.status).to.equal(200);
    expect(response.text).to.equal(PAGE.replace('content="memory"', 'content="cookie"'));
  });

  it('sends /admin to /admin/, keeping the query', async () => {
    const response = await get('/admin?search=ada');
    expect(response.status).to.equal(308);
    expect(response.headers.location).to.equal('/admin/?search=ada');
  });

  it('serves hashed assets with their type, cached for a year and immutable', async () => {
    const script = await get('/admin/assets/index-Ab12Cd.js');
    expect(script.status).to.equal(200);
    expect(script.headers['content-type']).to.equal('text/javascript; charset=utf-8');
    expect(script.headers['cache-control']).to.equal('public, max-age=31536000, immutable');
    expect(script.text).to.equal('console.log("console");');
    const style = await get('/admin/assets/index-Ef34Gh.css');
    expect(style.headers['content-type']).to.equal('text/css; charset=utf-8');
  });

  it('puts a strict Content-Security-Policy on the console: nothing inline, this origin only', async () => {
    for (const path of ['/admin/', '/admin/assets/index-Ab12Cd.js']) {
      const policy = String((await get(path)).headers['content-security-policy']);
      expect(policy, path).to.include("script-src 'self'").and.include("style-src 'self'");
      expect(policy).to.include("default-src 'none'").and.include("connect-src 'self'");
      expect(policy).to.include("frame-ancestors 'none'");
      expect(policy).to.not.include('unsafe-inline').and.not.include('unsafe-eval');
    }
  });

  it('answers 404 in the envelope for a missing asset or a path outside assets/', async () => {
    for (const path of [
      '/admin/assets/missing-0000.js',
      '/admin/assets/..%2fsecret.txt',
      '/admin/assets/../secret.txt',
      '/admin/assets/.hidden.js',
    ]) {
      const response = await get(path);
      if (response.status === 200) {
        // A normalised path that lands outside assets/ is a client-side route: the app page.
        expect(response.text, path).to.equal(PAGE);
        continue;
      }
      expect(response.status, path).to.equal(404);
      expect(response.body.code).to.equal('NOT_FOUND');
    }
  });

  it('refuses other methods with 405 and an Allow header', async () => {
    const response = await testApp.http().post('/admin/').send({});
    expect(response.status).to.equal(405);
    // What the route table answers for any path: the methods it serves, and OPTIONS.
    expect(response.headers.allow).to.equal('GET, HEAD, OPTIONS');
    expect(response.body.code).to.equal('METHOD_NOT_ALLOWED');
  });

  it('says how to build the console when there is no build, instead of a blank page', async () => {
    const missing = await createTestApp({ env: { ADMIN_CONSOLE_DIR: join(directory, 'absent') } });
    const response = await missing.http().get('/admin/');
    expect(response.status).to.equal(503);
    expect(response.headers['content-type']).to.equal('text/html; charset=utf-8');
    expect(response.headers['cache-control']).to.equal('no-store');
    expect(response.text).to.include('The admin console has not been built');
    expect(response.text).to.include('npm run build');
  });

  it('leaves the API alone', async () => {
    expect((await get('/api/auth/profile/')).status).to.equal(401);
    expect((await get('/administrator')).status).to.equal(404);
  });
});
