/**
 * The edges of the HTTP layer, as a client or a proxy meets them: body size and type, bad
 * JSON, unknown paths and methods, request ids, security headers, CORS and allowed hosts.
 * Every error is the contract's envelope `{detail, code, errors?}`.
 */
import { expect } from 'chai';
import Koa from 'koa';
import supertest from 'supertest';
import { AppError } from '../../server/errors.js';
import { errorBoundary } from '../../server/http/error-boundary.js';
import { createLogger } from '../../server/lib/logger.js';
import { toAppError, toWireError } from '../../server/trpc/error-mapping.js';
import { createTestApp, type TestApp } from '../helpers/app.js';

const LOGIN = '/api/auth/login/';
const WRONG_CREDENTIALS = JSON.stringify({
  email: 'nobody@example.com',
  password: 'Correct-Horse-Battery-9',
});
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function expectEnvelope(body: unknown, code: string) {
  expect(body).to.be.an('object');
  const envelope = body as Record<string, unknown>;
  expect(envelope.code).to.equal(code);
  expect(envelope.detail).to.be.a('string').and.have.length.above(0);
  expect(Object.keys(envelope)).to.satisfy((keys: string[]) =>
    keys.every((key) => ['detail', 'code', 'errors'].includes(key)),
  );
}

describe('HTTP edges', () => {
  let testApp: TestApp;
  beforeEach(async () => {
    testApp = await createTestApp({
      env: {
        CORS_ALLOWED_ORIGINS: 'https://app.example.com',
        ALLOWED_HOSTS: 'auth.example.com,.example.org,127.0.0.1',
      },
    });
  });
  const post = (path = LOGIN) => testApp.http().post(path).set('Host', 'auth.example.com');

  describe('request bodies', () => {
    it('refuses a 2 MB JSON body with 413 PAYLOAD_TOO_LARGE', async () => {
      const body = JSON.stringify({
        email: 'a@example.com',
        password: 'x'.repeat(2 * 1024 * 1024),
      });
      const response = await post().set('Content-Type', 'application/json').send(body);
      expect(response.status).to.equal(413);
      expectEnvelope(response.body, 'PAYLOAD_TOO_LARGE');
    });

    it('answers malformed JSON with 400 VALIDATION_ERROR, without echoing it', async () => {
      const response = await post()
        .set('Content-Type', 'application/json')
        .send('{"email": "a@example.com", "password": secret-value');
      expect(response.status).to.equal(400);
      expectEnvelope(response.body, 'VALIDATION_ERROR');
      expect(response.body.errors.non_field_errors).to.be.an('array').with.length(1);
      expect(response.text).not.to.include('secret-value');
    });

    for (const contentType of [
      'application/json',
      'application/json; charset=utf-8',
      'application/json;charset=UTF-8',
    ]) {
      it(`accepts Content-Type "${contentType}"`, async () => {
        const response = await post().set('Content-Type', contentType).send(WRONG_CREDENTIALS);
        // 401 AUTHENTICATION_FAILED means the body was read: both fields arrived.
        expect(response.status).to.equal(401);
        expect(response.body.code).to.equal('AUTHENTICATION_FAILED');
      });
    }

    it('refuses a text/plain body with 415 UNSUPPORTED_MEDIA_TYPE', async () => {
      const response = await post().set('Content-Type', 'text/plain').send(WRONG_CREDENTIALS);
      expect(response.status).to.equal(415);
      expectEnvelope(response.body, 'UNSUPPORTED_MEDIA_TYPE');
    });

    it('reads a form-encoded body as DRF does (both fields arrive)', async () => {
      const response = await post()
        .set('Content-Type', 'application/x-www-form-urlencoded')
        .send('email=nobody%40example.com&password=Correct-Horse-Battery-9');
      expect(response.status).to.equal(401);
      expectEnvelope(response.body, 'AUTHENTICATION_FAILED');
    });

    it('answers a JSON array body with 400 and errors.non_field_errors', async () => {
      const response = await post().set('Content-Type', 'application/json').send('[1, 2]');
      expect(response.status).to.equal(400);
      expectEnvelope(response.body, 'VALIDATION_ERROR');
      expect(response.body.errors.non_field_errors).to.be.an('array').and.have.length.above(0);
    });

    it('answers a JSON string body with 400 and errors.non_field_errors', async () => {
      const response = await post().set('Content-Type', 'application/json').send('"just text"');
      expect(response.status).to.equal(400);
      expectEnvelope(response.body, 'VALIDATION_ERROR');
      expect(response.body.errors.non_field_errors).to.be.an('array').and.have.length.above(0);
    });
  });

  describe('paths and methods', () => {
    it('answers an unknown /api path with a 404 NOT_FOUND envelope', async () => {
      const response = await testApp
        .http()
        .get('/api/auth/no-such-thing/')
        .set('Host', 'auth.example.com');
      expect(response.status).to.equal(404);
      expectEnvelope(response.body, 'NOT_FOUND');
    });

    it('answers an unknown path outside /api with the same 404 envelope', async () => {
      const response = await testApp.http().get('/wp-login.php').set('Host', 'auth.example.com');
      expect(response.status).to.equal(404);
      expectEnvelope(response.body, 'NOT_FOUND');
    });

    it('answers a wrong method on a known path with 405 and the allowed methods', async () => {
      const response = await testApp.http().get(LOGIN).set('Host', 'auth.example.com');
      expect(response.status).to.equal(405);
      expectEnvelope(response.body, 'METHOD_NOT_ALLOWED');
      expect(response.headers.allow).to.include('POST');
    });

    it('answers a method the router does not know with 405 on a known path, 404 elsewhere', async () => {
      const known = await testApp.http().propfind(LOGIN).set('Host', 'auth.example.com');
      expect(known.status).to.equal(405);
      expectEnvelope(known.body, 'METHOD_NOT_ALLOWED');
      expect(known.headers.allow).to.include('POST');

      const unknown = await testApp.http().propfind('/nowhere').set('Host', 'auth.example.com');
      expect(unknown.status).to.equal(404);
      expectEnvelope(unknown.body, 'NOT_FOUND');
    });

    it('answers OPTIONS without CORS headers with the allowed methods', async () => {
      const response = await testApp.http().options(LOGIN).set('Host', 'auth.example.com');
      expect(response.status).to.equal(200);
      expect(response.headers.allow).to.include('POST');
    });

    it('serves a path with and without its trailing slash, without a redirect', async () => {
      for (const path of ['/api/auth/login/', '/api/auth/login']) {
        const response = await post(path)
          .set('Content-Type', 'application/json')
          .send(WRONG_CREDENTIALS);
        expect(response.status, path).to.equal(401);
        expect(response.body.code, path).to.equal('AUTHENTICATION_FAILED');
      }
    });
  });

  describe('X-Request-Id', () => {
    it('is generated when the client sends none', async () => {
      const response = await testApp.http().get('/health/');
      expect(response.headers['x-request-id']).to.match(UUID);
    });

    it('echoes a well-formed incoming id, on errors too', async () => {
      const response = await testApp
        .http()
        .get('/api/auth/no-such-thing/')
        .set('Host', 'auth.example.com')
        .set('X-Request-Id', 'trace-abc.123:edge_7');
      expect(response.status).to.equal(404);
      expect(response.headers['x-request-id']).to.equal('trace-abc.123:edge_7');
    });

    for (const [label, malformed] of [
      ['with spaces and markup', 'bad id <script>'],
      ['longer than 128 characters', 'a'.repeat(129)],
    ]) {
      it(`replaces a malformed one (${label})`, async () => {
        const response = await testApp.http().get('/health/').set('X-Request-Id', malformed!);
        expect(response.headers['x-request-id']).to.match(UUID);
      });
    }
  });

  it('sends the security headers on every response', async () => {
    for (const response of [
      await testApp.http().get('/health/'),
      await post().set('Content-Type', 'application/json').send(WRONG_CREDENTIALS),
      await testApp.http().get('/trpc/profile.get'),
    ]) {
      expect(response.headers['x-content-type-options']).to.equal('nosniff');
      expect(response.headers['strict-transport-security']).to.match(/max-age=\d+/);
      expect(response.headers['referrer-policy']).to.equal('no-referrer');
      expect(response.headers['content-security-policy']).to.match(/default-src '(self|none)'/);
      expect(response.headers).not.to.have.property('x-powered-by');
    }
  });

  it('lets no browser render, frame or embed an API answer', async () => {
    for (const response of [
      await post().set('Content-Type', 'application/json').send(WRONG_CREDENTIALS),
      await testApp.http().get('/trpc/profile.get'),
    ]) {
      expect(response.headers['content-security-policy']).to.equal(
        "default-src 'none'; frame-ancestors 'none'",
      );
      expect(response.headers['x-frame-options']).to.equal('DENY');
      expect(response.headers['cross-origin-resource-policy']).to.equal('same-origin');
      expect(response.headers['cache-control']).to.equal('no-store');
    }
  });

  it("gives the service's pages helmet's document headers", async () => {
    const response = await testApp.http().get('/health/');
    expect(response.headers['x-frame-options']).to.equal('SAMEORIGIN');
    expect(response.headers['content-security-policy']).to.include("default-src 'self'");
    expect(response.headers['cross-origin-opener-policy']).to.equal('same-origin');
  });

  describe('CORS', () => {
    it('allows a listed origin, with a preflight that names the needed headers', async () => {
      const preflight = await testApp
        .http()
        .options(LOGIN)
        .set('Host', 'auth.example.com')
        .set('Origin', 'https://app.example.com')
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'content-type,authorization');
      expect(preflight.status).to.equal(204);
      expect(preflight.headers['access-control-allow-origin']).to.equal('https://app.example.com');
      expect(preflight.headers['access-control-allow-methods']).to.include('POST');
      expect(String(preflight.headers['access-control-allow-headers']).toLowerCase())
        .to.include('authorization')
        .and.include('content-type');

      const actual = await post()
        .set('Origin', 'https://app.example.com')
        .set('Content-Type', 'application/json')
        .send(WRONG_CREDENTIALS);
      expect(actual.headers['access-control-allow-origin']).to.equal('https://app.example.com');
      expect(actual.headers['access-control-expose-headers']).to.include('X-Request-Id');
    });

    it('gives an origin that is not listed no CORS permission at all', async () => {
      const preflight = await testApp
        .http()
        .options(LOGIN)
        .set('Host', 'auth.example.com')
        .set('Origin', 'https://evil.example.net')
        .set('Access-Control-Request-Method', 'POST');
      expect(preflight.headers).not.to.have.property('access-control-allow-origin');

      const actual = await post()
        .set('Origin', 'https://evil.example.net')
        .set('Content-Type', 'application/json')
        .send(WRONG_CREDENTIALS);
      expect(actual.headers).not.to.have.property('access-control-allow-origin');
      expect(actual.headers).not.to.have.property('access-control-allow-credentials');
    });
  });

  describe('CORS_ALLOWED_ORIGINS=*', () => {
    let anyOrigin: TestApp;
    beforeEach(async () => {
      anyOrigin = await createTestApp({ env: { CORS_ALLOWED_ORIGINS: '*' } });
    });
    const preflight = (origin: string) =>
      anyOrigin
        .http()
        .options(LOGIN)
        .set('Origin', origin)
        .set('Access-Control-Request-Method', 'POST');
    const actual = (origin: string) =>
      anyOrigin
        .http()
        .post(LOGIN)
        .set('Origin', origin)
        .set('Content-Type', 'application/json')
        .send(WRONG_CREDENTIALS);

    it('allows any real origin, REST and tRPC', async () => {
      const origin = 'https://anywhere.example.net';
      expect((await preflight(origin)).headers['access-control-allow-origin']).to.equal(origin);
      expect((await actual(origin)).headers['access-control-allow-origin']).to.equal(origin);
      const trpc = await anyOrigin.http().get('/trpc/profile.get').set('Origin', origin);
      expect(trpc.headers['access-control-allow-origin']).to.equal(origin);
    });

    it('never allows Origin: null (sandboxed iframes, data: and file: pages)', async () => {
      const answers = [
        await preflight('null'),
        await actual('null'),
        await anyOrigin.http().get('/trpc/profile.get').set('Origin', 'null'),
        await anyOrigin.http().get('/api/auth/profile/').set('Origin', 'null'),
      ];
      answers.forEach((answer, index) => {
        expect(answer.headers, `answer ${index}`).not.to.have.property(
          'access-control-allow-origin',
        );
      });
    });
  });

  describe('ALLOWED_HOSTS', () => {
    it('serves listed hosts, subdomains of a ".domain" entry and a host with a port', async () => {
      for (const host of [
        'auth.example.com',
        'example.org',
        'api.example.org',
        'auth.example.com:8000',
      ]) {
        const response = await testApp
          .http()
          .post(LOGIN)
          .set('Host', host)
          .set('Content-Type', 'application/json')
          .send(WRONG_CREDENTIALS);
        expect(response.status, host).to.equal(401);
      }
    });

    it('refuses any other Host with 400, before touching the request', async () => {
      const response = await testApp
        .http()
        .post(LOGIN)
        .set('Host', 'attacker.example.net')
        .set('Content-Type', 'application/json')
        .send(WRONG_CREDENTIALS);
      expect(response.status).to.equal(400);
      expectEnvelope(response.body, 'VALIDATION_ERROR');
      expect(response.body.detail).to.include('attacker.example.net');
      expect(response.body.errors.non_field_errors).to.deep.equal([response.body.detail]);
    });

    it('keeps /health/ and the probes reachable whatever the Host, for probes that address pods by IP', async () => {
      const probes = ['/health/live/', '/health/live', '/health/ready/', '/health/ready'];
      for (const path of ['/health/', '/health', ...probes]) {
        const response = await testApp.http().get(path).set('Host', '10.1.2.3:8000');
        expect(response.status, path).to.equal(200);
        expect(response.body.status).to.equal('healthy');
      }
    });
  });

  describe('internal errors', () => {
    const leaky = () => {
      const error = new Error(
        'insert or update on table "sessions" violates foreign key constraint "sessions_user_id_fkey"',
      ) as Error & { sql: string; name: string };
      error.name = 'SequelizeForeignKeyConstraintError';
      error.sql = 'INSERT INTO "sessions" ("id","user_id") VALUES ($1,$2) RETURNING *;';
      return error;
    };

    it('map an unexpected error to a bare 500 INTERNAL_ERROR envelope', () => {
      const wire = toWireError(toAppError(leaky()));
      expect(wire.status).to.equal(500);
      expect(wire.body).to.deep.equal({
        detail: 'An internal error occurred.',
        code: 'INTERNAL_ERROR',
      });
    });

    it('leave the error boundary without stack, SQL or message, and are logged instead', async () => {
      const logged: unknown[] = [];
      const logger = createLogger({ level: 'error', pretty: false });
      logger.error = ((entry: unknown) => void logged.push(entry)) as typeof logger.error;
      const app = new Koa();
      app.use(errorBoundary(logger));
      app.use(() => {
        throw leaky();
      });
      const response = await supertest(app.callback()).get('/anything');
      expect(response.status).to.equal(500);
      expect(response.body).to.deep.equal({
        detail: 'An internal error occurred.',
        code: 'INTERNAL_ERROR',
      });
      for (const leak of ['INSERT INTO', 'sessions', 'at ', '.ts:', 'Sequelize']) {
        expect(response.text).not.to.include(leak);
      }
      expect(logged).to.have.length(1);
    });

    it('keep the detail of a deliberate AppError', () => {
      const wire = toWireError(new AppError('NOT_FOUND', { detail: 'No such session.' }));
      expect(wire.body).to.deep.equal({ detail: 'No such session.', code: 'NOT_FOUND' });
    });
  });
});
