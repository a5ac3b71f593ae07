import type { IncomingHttpHeaders, RequestListener } from 'node:http';
import { expect } from 'chai';
import supertest from 'supertest';
import { createHttpLayers } from '../../server/app.js';
import { bearer, createTestApp, type TestApp } from '../helpers/app.js';
import { signedIn, type SignedInAccount } from '../helpers/accounts.js';

/** Headers that differ between any two answers, whoever gives them. */
const PER_RESPONSE = ['date', 'connection', 'x-request-id', 'content-length', 'transfer-encoding'];

const comparable = (headers: IncomingHttpHeaders) =>
  Object.fromEntries(Object.entries(headers).filter(([name]) => !PER_RESPONSE.includes(name)));

interface Probe {
  path: string;
  headers?: Record<string, string>;
}

describe('the query lane answers plain reads exactly as the full Koa stack does', () => {
  let testApp: TestApp;
  let account: SignedInAccount;
  let viaLaneOnly: RequestListener;
  let viaKoaOnly: RequestListener;

  beforeEach(async () => {
    testApp = await createTestApp({ env: { ALLOWED_HOSTS: '127.0.0.1,localhost' } });
    account = await signedIn(testApp, { fullName: 'Ada Lovelace' });
    const { lane, koa } = createHttpLayers(testApp.deps);
    // 599 marks a request the lane left to Koa.
    viaLaneOnly = (request, response) => {
      if (!lane(request, response)) response.writeHead(599).end();
    };
    viaKoaOnly = koa.callback();
  });

  const send = (handler: RequestListener, probe: Probe) =>
    supertest(handler)
      .get(probe.path)
      .set(probe.headers ?? {});

  const tRPCInput = (value: unknown) => encodeURIComponent(JSON.stringify({ json: value }));

  const signedInAs = () => bearer(account.access);
  /** [what is read, path, the status both must give, headers] */
  const answeredByTheLane: Array<[string, string, number, () => Record<string, string>]> = [
    ['the REST profile', '/api/auth/profile/', 200, signedInAs],
    ['the REST profile without the slash', '/api/auth/profile', 200, signedInAs],
    ['the REST profile without a token', '/api/auth/profile/', 401, () => ({})],
    [
      'the REST profile with a forged token',
      '/api/auth/profile/',
      401,
      () => bearer(`${account.access}x`),
    ],
    ['the sessions list', '/api/auth/sessions/', 200, signedInAs],
    ['the activity log, one entry a page', '/api/auth/activity/?limit=1', 200, signedInAs],
    ['the activity log with a bad limit', '/api/auth/activity/?limit=lots', 400, signedInAs],
    ['the admin list for a non-staff user', '/api/auth/admin/users/', 403, signedInAs],
    ['tRPC profile.get', '/trpc/profile.get', 200, signedInAs],
    ['tRPC profile.get without a token', '/trpc/profile.get', 401, () => ({})],
    [
      'tRPC activity.list with input',
      `/trpc/activity.list?input=${tRPCInput({ limit: 1 })}`,
      200,
      signedInAs,
    ],
    [
      'tRPC activity.list with input that fails its schema',
      `/trpc/activity.list?input=${tRPCInput({ limit: -1 })}`,
      400,
      signedInAs,
    ],
  ];

  for (const [name, path, status, headersOf] of answeredByTheLane) {
    it(`${name} (${status}): the same status, body and headers`, async () => {
      const probe = { path, headers: headersOf() };
      const [fromLane, fromKoa] = await Promise.all([
        send(viaLaneOnly, probe),
        send(viaKoaOnly, probe),
      ]);
      expect(fromKoa.status, fromKoa.text).to.equal(status);
      expect(fromLane.status, 'the lane answered').to.equal(status);
      expect(JSON.parse(fromLane.text)).to.deep.equal(JSON.parse(fromKoa.text));
      expect(comparable(fromLane.headers)).to.deep.equal(comparable(fromKoa.headers));
      // Both answer a token-bearing path that no cache may keep.
      expect(fromLane.headers['cache-control']).to.equal('no-store');
      expect(fromLane.headers['x-request-id']).to.match(/^[0-9a-f-]{36}$/);
      expect(Number(fromLane.headers['content-length'])).to.equal(Buffer.byteLength(fromLane.text));
    });
  }

  const leftToKoa: Array<[string, () => Probe & { method?: 'head' | 'post' }]> = [
    [
      'a cross-origin read (CORS headers are Koa’s)',
      () => ({
        path: '/api/auth/profile/',
        headers: { ...bearer(account.access), Origin: 'https://app.example.com' },
      }),
    ],
    [
      'a read addressed to a host not in ALLOWED_HOSTS',
      () => ({
        path: '/api/auth/profile/',
        headers: { ...bearer(account.access), Host: 'evil.example.net' },
      }),
    ],
    [
      'a batched tRPC call',
      () => ({
        path: `/trpc/profile.get?batch=1&input=${encodeURIComponent('{}')}`,
        headers: bearer(account.access),
      }),
    ],
    [
      'a streaming tRPC call',
      () => ({
        path: '/trpc/profile.get',
        headers: { ...bearer(account.access), 'trpc-accept': 'application/jsonl' },
      }),
    ],
    [
      'tRPC input that is not JSON',
      () => ({ path: '/trpc/activity.list?input=%7Bnope', headers: bearer(account.access) }),
    ],
    [
      'a path with a parameter',
      () => ({ path: `/api/auth/admin/users/${account.id}/`, headers: bearer(account.access) }),
    ],
    ['a mutation over GET', () => ({ path: '/trpc/auth.logout', headers: bearer(account.access) })],
    ['the liveness probe', () => ({ path: '/health/live' })],
    ['the readiness probe', () => ({ path: '/health/ready/' })],
    [
      'a HEAD request',
      () => ({ path: '/api/auth/profile/', method: 'head', headers: bearer(account.access) }),
    ],
  ];

  for (const [name, probeOf] of leftToKoa) {
    it(`leaves ${name} to Koa`, async () => {
      const probe = probeOf();
      const request =
        probe.method === 'head'
          ? supertest(viaLaneOnly).head(probe.path)
          : supertest(viaLaneOnly).get(probe.path);
      const response = await request.set(probe.headers ?? {});
      expect(response.status).to.equal(599);
    });
  }

  it('a GET with a body is left to Koa', async () => {
    const response = await supertest(viaLaneOnly)
      .get('/api/auth/profile/')
      .set(bearer(account.access))
      .set('Content-Type', 'application/json')
      .send('{"a":1}');
    expect(response.status).to.equal(599);
  });

  it('the server answers a cross-origin tRPC read with Vary: Origin, so caches keep origins apart', async () => {
    const response = await testApp
      .http()
      .get('/trpc/profile.get')
      .set({ ...bearer(account.access), Origin: 'https://app.example.com' });
    expect(response.status).to.equal(200);
    expect(response.headers.vary).to.match(/\bOrigin\b/);
  });

  it('keeps a well-formed incoming X-Request-Id, as Koa does', async () => {
    const response = await supertest(viaLaneOnly)
      .get('/api/auth/profile/')
      .set({ ...bearer(account.access), 'X-Request-Id': 'trace-42' });
    expect(response.status, response.text).to.equal(200);
    expect(response.headers['x-request-id'], response.text).to.equal('trace-42');
  });
});
