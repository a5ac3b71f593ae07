/**
 * REST bodies as DRF takes them: every endpoint that reads a body accepts
 * `application/x-www-form-urlencoded` (what a plain HTML form posts) and judges it by the same
 * schema, with the same status and error envelope as the JSON body with the same fields.
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { createAppRouter } from '../../server/routers/app-router.js';
import { operationsOf, restEndpoints } from '../../server/trpc/operations.js';
import { bearer, createTestApp, type TestApp } from '../helpers/app.js';
import { superuser } from '../helpers/accounts.js';
import { STRONG_PASSWORD, uniqueEmail } from '../helpers/factories.js';

const FORM = 'application/x-www-form-urlencoded';

describe('form-encoded REST bodies', () => {
  let app: TestApp;
  beforeEach(async () => {
    app = await createTestApp();
  });

  it('registers and logs in from a plain HTML form post', async () => {
    const email = uniqueEmail('form');
    const fields = new URLSearchParams({
      email,
      full_name: 'Form Poster',
      password: STRONG_PASSWORD,
      password_confirm: STRONG_PASSWORD,
    });
    const registered = await app
      .http()
      .post('/api/auth/register/')
      .set('Content-Type', FORM)
      .set('Origin', 'http://frontend.test')
      .send(fields.toString());
    expect(registered.status, JSON.stringify(registered.body)).to.equal(201);
    expect(registered.body.user.email).to.equal(email);

    const login = await app
      .http()
      .post('/api/auth/login')
      .type('form')
      .send({ email, password: STRONG_PASSWORD });
    expect(login.status).to.equal(200);
    expect(login.body.tokens.access).to.be.a('string');
  });

  it('validates a form body with the same field errors as JSON', async () => {
    const fields = { email: 'not-an-email', full_name: 'X', password: '1', password_confirm: '2' };
    const form = await app.http().post('/api/auth/register/').type('form').send(fields);
    const json = await app.http().post('/api/auth/register/').send(fields);
    expect(form.status).to.equal(400);
    expect(form.body).to.deep.equal(json.body);
  });

  it('is read by every endpoint that takes a body, answered as the same JSON body is', async () => {
    const endpoints = restEndpoints(operationsOf(createAppRouter(app.deps.services))).filter(
      (endpoint) => ['POST', 'PUT', 'PATCH'].includes(endpoint.method),
    );
    expect(endpoints.length).to.be.above(10);
    for (const { method, path } of endpoints) {
      const url = `/api${path.replace(/\{\w+\}/g, randomUUID())}`;
      // A field no endpoint knows: each answers by its own rules (a 400 for missing fields, a
      // 200 for an optional body, a 404 for an unknown id), never 415, and alike for both types.
      const send = async (type: 'form' | 'json') => {
        const caller = await superuser(app);
        return app
          .http()
          [method.toLowerCase() as 'post' | 'put' | 'patch'](url)
          .set(bearer(caller.access))
          .type(type)
          .send({ unknown_field: 'x' });
      };
      const form = await send('form');
      const json = await send('json');
      const label = `${method} ${url}`;
      expect(form.status, label).not.to.equal(415);
      expect(form.status, label).to.equal(json.status);
      expect(form.body.code, label).to.equal(json.body.code);
      expect(form.body.errors, label).to.deep.equal(json.body.errors);
    }
  });
});
