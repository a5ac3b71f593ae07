/**
 * One road: a step added to the edge sees every request, whatever it asks for and however it
 * asks (REST or tRPC, a read or a write, a browser's or a script's, a batch, a probe, a miss),
 * and knows which operation it was. Metrics and tracing are such steps.
 */
import { expect } from 'chai';
import type { EdgeStep } from '../../server/http/edge.js';
import type { RouteLabel } from '../../server/http/route-table.js';
import { bearer, createTestApp, type TestApp } from '../helpers/app.js';
import { registerUser, type RegisteredUser } from '../helpers/factories.js';

interface Seen {
  method: string;
  path: string;
  status: number;
  route: RouteLabel | undefined;
  requestId: string | undefined;
}

describe('the edge', () => {
  let testApp: TestApp;
  let user: RegisteredUser;
  const seen: Seen[] = [];
  const watcher: EdgeStep = async (ctx, next) => {
    try {
      await next();
    } finally {
      seen.push({
        method: ctx.method,
        path: ctx.path,
        status: ctx.respond === false ? ctx.res.statusCode : ctx.status,
        route: ctx.state.route,
        requestId: ctx.state.request?.requestId,
      });
    }
  };

  beforeEach(async () => {
    testApp = await createTestApp({
      env: { CORS_ALLOWED_ORIGINS: 'https://app.example.com' },
      extraEdgeSteps: [watcher],
    });
    user = await registerUser(testApp);
    seen.length = 0;
  });

  const lastSeen = () => seen.at(-1)!;

  it('runs an added step for a REST GET, a tRPC GET, a browser request and a POST', async () => {
    const restRead = await testApp.http().get('/api/auth/profile/').set(bearer(user.access));
    expect(restRead.status).to.equal(200);
    expect(lastSeen()).to.deep.include({
      method: 'GET',
      status: 200,
      route: { wire: 'rest', operation: 'profile.get' },
      requestId: restRead.headers['x-request-id'],
    });

    const trpcRead = await testApp.http().get('/trpc/profile.get').set(bearer(user.access));
    expect(trpcRead.status).to.equal(200);
    expect(lastSeen()).to.deep.include({
      method: 'GET',
      route: { wire: 'trpc', operation: 'profile.get' },
    });

    const browser = await testApp
      .http()
      .get('/api/auth/profile/')
      .set('Origin', 'https://app.example.com')
      .set(bearer(user.access));
    expect(browser.headers['access-control-allow-origin']).to.equal('https://app.example.com');
    expect(lastSeen()).to.deep.include({
      status: 200,
      route: { wire: 'rest', operation: 'profile.get' },
    });

    const write = await testApp
      .http()
      .post('/api/auth/login/')
      .send({ email: user.email, password: user.password });
    expect(write.status).to.equal(200);
    expect(lastSeen()).to.deep.include({
      method: 'POST',
      route: { wire: 'rest', operation: 'auth.login' },
    });
    expect(seen).to.have.length(4);
  });

  it('runs it for batches, probes, docs and misses too, and for errors', async () => {
    const input = encodeURIComponent(JSON.stringify({ 0: {}, 1: {} }));
    await testApp
      .http()
      .get(`/trpc/profile.get,sessions.list?batch=1&input=${input}`)
      .set(bearer(user.access));
    await testApp.http().get('/health/live');
    await testApp.http().get('/api/openapi.json');
    await testApp.http().get('/api/auth/nowhere/');
    await testApp.http().get('/api/auth/profile/');
    expect(seen.map(({ path, status, route }) => [path, status, route])).to.deep.equal([
      ['/trpc/profile.get,sessions.list', 200, { wire: 'trpc', operation: 'batch' }],
      ['/health/live', 200, { wire: 'service', operation: null }],
      ['/api/openapi.json', 200, { wire: 'service', operation: null }],
      ['/api/auth/nowhere/', 404, undefined],
      ['/api/auth/profile/', 401, { wire: 'rest', operation: 'profile.get' }],
    ]);
  });
});
