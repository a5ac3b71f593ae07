/**
 * Tokens and a person's data are answered under /api/auth/ and /trpc/, and no cache (a
 * browser's, a shared proxy's) may keep such an answer: every response there, success or
 * error, REST or tRPC, single or batched, from Koa or from the query lane, says
 * `Cache-Control: no-store`. The OpenAPI document and the docs assets stay cacheable.
 */
import { expect } from 'chai';
import type { Response } from 'supertest';
import { operationsOf, restEndpoints } from '../../server/trpc/operations.js';
import { routerShape as appRouter } from '../../server/routers/_app.js';
import { bearer, createTestApp, type TestApp } from '../helpers/app.js';
import { signedIn, type SignedInAccount } from '../helpers/accounts.js';
import { STRONG_PASSWORD, uniqueEmail } from '../helpers/factories.js';

const NEW_PASSWORD = 'Another-Quiet-Meadow-42';

function expectNoStore(response: Response, label: string) {
  expect(response.headers['cache-control'], `${label} (${response.status})`).to.equal('no-store');
}

describe('Cache-Control: no-store on every token-bearing answer', () => {
  let testApp: TestApp;
  let account: SignedInAccount;
  beforeEach(async () => {
    testApp = await createTestApp();
    account = await signedIn(testApp);
  });

  it('REST: the answers that carry tokens (register, login, refresh, change-password)', async () => {
    const email = uniqueEmail('cache');
    const registered = await testApp.http().post('/api/auth/register/').send({
      email,
      full_name: 'Ada Lovelace',
      password: STRONG_PASSWORD,
      password_confirm: STRONG_PASSWORD,
    });
    expect(registered.status).to.equal(201);
    expectNoStore(registered, 'register');
    const login = await testApp
      .http()
      .post('/api/auth/login/')
      .send({ email, password: STRONG_PASSWORD });
    expect(login.body.tokens.access).to.be.a('string');
    expectNoStore(login, 'login');
    const refreshed = await testApp
      .http()
      .post('/api/auth/refresh/')
      .send({ refresh: login.body.tokens.refresh });
    expect(refreshed.body.access).to.be.a('string');
    expectNoStore(refreshed, 'refresh');
    const changed = await testApp
      .http()
      .post('/api/auth/change-password/')
      .set(bearer(refreshed.body.access))
      .send({
        current_password: STRONG_PASSWORD,
        new_password: NEW_PASSWORD,
        new_password_confirm: NEW_PASSWORD,
      });
    expect(changed.body.tokens.access).to.be.a('string');
    expectNoStore(changed, 'change-password');
  });

  it('REST: every route, answered or refused, and the errors of the edge itself', async () => {
    for (const route of restEndpoints(operationsOf(appRouter))) {
      const path = `/api${route.path.replace(/\{\w+\}/g, account.id)}`;
      const method = route.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete';
      for (const headers of [{}, bearer(account.access)]) {
        const response = await testApp.http()[method](path).set(headers).send({});
        expectNoStore(response, `${route.method} ${path}`);
      }
    }
    const edges: Array<[string, () => Promise<Response>]> = [
      ['an unknown path', () => testApp.http().get('/api/auth/nothing-here/')],
      ['a wrong method', () => testApp.http().delete('/api/auth/login/')],
      [
        'malformed JSON',
        () =>
          testApp
            .http()
            .post('/api/auth/login/')
            .set('Content-Type', 'application/json')
            .send('{"email":'),
      ],
      [
        'a text/plain body',
        () => testApp.http().post('/api/auth/login/').set('Content-Type', 'text/plain').send('x'),
      ],
      [
        'a body over the limit',
        () =>
          testApp
            .http()
            .post('/api/auth/login/')
            .send({ password: 'x'.repeat(2 * 1024 * 1024) }),
      ],
      ['a preflight', () => testApp.http().options('/api/auth/login/')],
      ['a path in other letter case', () => testApp.http().get('/API/Auth/profile/')],
    ];
    for (const [what, send] of edges) expectNoStore(await send(), what);
  });

  it('REST reads served by the query lane, answered and refused', async () => {
    for (const [path, headers] of [
      ['/api/auth/profile/', bearer(account.access)],
      ['/api/auth/profile/', {}],
      ['/api/auth/sessions/', bearer(account.access)],
      ['/api/auth/activity/?limit=0', bearer(account.access)],
    ] as const) {
      expectNoStore(await testApp.http().get(path).set(headers), path);
    }
  });

  it('tRPC: mutations single and batched, queries from the lane and from Koa, errors', async () => {
    const login = { json: { email: account.email, password: account.password } };
    const single = await testApp.http().post('/trpc/auth.login').send(login);
    expect(single.body.result.data.json.tokens.access).to.be.a('string');
    expectNoStore(single, 'auth.login');
    const batched = await testApp
      .http()
      .post('/trpc/auth.login,auth.forgotPassword?batch=1')
      .send({ 0: login, 1: { json: { email: account.email } } });
    expect(batched.body[0].result.data.json.tokens.access).to.be.a('string');
    expectNoStore(batched, 'batched auth.login');

    const input = encodeURIComponent(JSON.stringify({ 0: { json: undefined } }));
    for (const [what, send] of [
      [
        'profile.get (the lane)',
        () => testApp.http().get('/trpc/profile.get').set(bearer(account.access)),
      ],
      ['profile.get without a token', () => testApp.http().get('/trpc/profile.get')],
      [
        'a batched query (Koa)',
        () =>
          testApp
            .http()
            .get(`/trpc/profile.get,sessions.list?batch=1&input=${input}`)
            .set(bearer(account.access)),
      ],
      ['an unknown procedure', () => testApp.http().post('/trpc/auth.nothing').send({})],
      ['input that is not JSON', () => testApp.http().get('/trpc/activity.list?input=%7Bnope')],
    ] as Array<[string, () => Promise<Response>]>) {
      expectNoStore(await send(), what);
    }
  });

  it('leaves the OpenAPI document and the docs assets cacheable', async () => {
    const document = await testApp.http().get('/api/openapi.json');
    expect(document.status).to.equal(200);
    expect(document.headers['cache-control']).to.equal(undefined);
    const asset = await testApp.http().get('/api/docs/swagger-ui.css');
    expect(asset.status).to.equal(200);
    expect(asset.headers['cache-control']).to.equal('public, max-age=86400');
  });
});
