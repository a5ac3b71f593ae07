import SwaggerParser from '@apidevtools/swagger-parser';
import { expect } from 'chai';
import { ERROR_CATALOGUE, ERROR_CODES, type ErrorCode } from '../../server/errors.js';
import { inputOf } from '../../server/http/openapi-examples.js';
import { operationsOf, restEndpoints } from '../../server/trpc/operations.js';
import { routerShape as appRouter } from '../../server/routers/_app.js';
import type { RouteMeta } from '../../server/trpc/context.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import type { Json } from '../helpers/json.js';

type JsonObject = Record<string, Json>;

/** The nine endpoints of the contract, as method and path under /api. */
const DOCUMENTED = [
  ['post', '/auth/register/'],
  ['post', '/auth/login/'],
  ['post', '/auth/logout/'],
  ['get', '/auth/profile/'],
  ['put', '/auth/profile/update/'],
  ['patch', '/auth/profile/update/'],
  ['post', '/auth/forgot-password/'],
  ['post', '/auth/reset-password/'],
  ['post', '/auth/change-password/'],
  ['post', '/auth/refresh/'],
] as const;

function operations(document: JsonObject) {
  return Object.entries(document.paths as JsonObject).flatMap(([path, item]) =>
    Object.entries(item as JsonObject)
      .filter(([method]) => ['get', 'post', 'put', 'patch', 'delete'].includes(method))
      .map(([method, operation]) => ({ path, method, operation: operation as JsonObject })),
  );
}

/** The procedure the REST bridge runs for a method and path of the document. */
function procedureFor(method: string, path: string) {
  const found = operationsOf(appRouter).find(
    (operation) =>
      operation.rest?.path === path &&
      operation.rest.methods.some((served) => served.toLowerCase() === method),
  );
  if (!found) throw new Error(`no procedure serves ${method} ${path}`);
  return found.procedure;
}

/** What Try-it-out sends: the parameters' examples and the body's, as one input. */
function requestExample(operation: JsonObject): JsonObject | undefined {
  const body = operation.requestBody?.content['application/json'].example;
  const parameters = ((operation.parameters ?? []) as JsonObject[]).filter(
    (parameter) => 'example' in parameter,
  );
  if (body === undefined && parameters.length === 0) return undefined;
  return {
    ...Object.fromEntries(parameters.map((parameter) => [parameter.name, parameter.example])),
    ...body,
  };
}

function metaFor(path: string): RouteMeta {
  const procedures = appRouter._def.procedures as Record<string, Json>;
  const found = Object.values(procedures)
    .map((procedure) => procedure._def.meta as RouteMeta | undefined)
    .find((meta) => meta?.openapi?.path === path);
  if (!found) throw new Error(`no procedure serves ${path}`);
  return found;
}

describe('the OpenAPI document and the docs page', () => {
  let testApp: TestApp;
  let document: JsonObject;
  beforeEach(async () => {
    testApp = await createTestApp();
    const response = await testApp.http().get('/api/openapi.json');
    expect(response.status).to.equal(200);
    expect(response.type).to.equal('application/json');
    document = response.body;
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    expect(document.openapi).to.match(/^3\.1\./);
    await SwaggerParser.validate(structuredClone(document) as never);
  });

  it('describes each documented endpoint at its trailing-slash path', () => {
    for (const [method, path] of DOCUMENTED) {
      expect(document.paths[path]?.[method], `${method} ${path}`).to.be.an('object');
    }
    for (const path of Object.keys(document.paths)) expect(path).to.match(/\/$/);
  });

  it('describes exactly the routes the REST bridge serves', () => {
    const served = restEndpoints(operationsOf(appRouter)).map(
      (route) => `${route.method.toLowerCase()} ${route.path}`,
    );
    const described = operations(document).map(({ method, path }) => `${method} ${path}`);
    expect(described).to.have.members(served);
  });

  it('answers register with 201 and the others with 200', () => {
    expect(Object.keys(document.paths['/auth/register/'].post.responses)).to.include('201');
    expect(document.paths['/auth/register/'].post.responses).to.not.have.property('200');
    for (const [method, path] of DOCUMENTED.filter(([, path]) => path !== '/auth/register/')) {
      expect(document.paths[path][method].responses, path).to.have.property('200');
    }
  });

  // Which operations are public is declared once, by the builder (trpc/init.ts), and held to the
  // SDK's list by test/unit/sdk-procedure-lists.test.ts.
  it('asks for a bearer token exactly on the protected operations', () => {
    expect(document.components.securitySchemes.bearerAuth).to.deep.include({
      type: 'http',
      scheme: 'bearer',
    });
    for (const { path, method, operation } of operations(document)) {
      const label = `${method} ${path}`;
      if (metaFor(path).guard !== 'public') {
        expect(operation.security, label).to.deep.equal([{ bearerAuth: [] }]);
        expect(operation.responses, label).to.have.property('401');
      } else {
        expect(operation, label).to.not.have.property('security');
      }
    }
  });

  it('documents the 401 of the public operations that check credentials', () => {
    expect(document.paths['/auth/login/'].post.responses).to.have.property('401');
    expect(document.paths['/auth/refresh/'].post.responses).to.have.property('401');
  });

  it('describes every error response with the ErrorEnvelope schema, and nothing else', () => {
    const envelope = document.components.schemas.ErrorEnvelope;
    expect(envelope.required).to.deep.equal(['detail', 'code']);
    expect(envelope.properties.code.enum).to.have.members(ERROR_CODES);
    for (const { path, method, operation } of operations(document)) {
      for (const [status, response] of Object.entries(operation.responses as JsonObject)) {
        if (Number(status) < 400) continue;
        expect(
          response.content['application/json'].schema,
          `${method} ${path} ${status}`,
        ).to.deep.equal({ $ref: '#/components/schemas/ErrorEnvelope' });
      }
    }
    // No stray error shapes the service never sends.
    const schemas = Object.keys(document.components.schemas);
    expect(schemas.filter((name) => /^error\./i.test(name))).to.deep.equal([]);
  });

  it('shows a request example on every operation that takes input, one its own schema accepts', () => {
    for (const { path, method, operation } of operations(document)) {
      const label = `${method} ${path}`;
      const parameters = (operation.parameters ?? []) as JsonObject[];
      for (const media of Object.values((operation.requestBody?.content ?? {}) as JsonObject)) {
        expect(media.example, `${label}: body example`).to.be.an('object');
      }
      for (const parameter of parameters.filter((parameter) => parameter.in === 'path')) {
        expect(parameter, `${label}: ${parameter.name}`).to.have.property('example');
      }
      const query = parameters.filter((parameter) => parameter.in === 'query');
      if (query.length) {
        expect(
          query.filter((parameter) => 'example' in parameter),
          `${label}: query example`,
        ).to.not.have.length(0);
      }
      const example = requestExample(operation);
      const input = inputOf(procedureFor(method, path));
      if (!input) {
        expect(example, `${label} takes no input`).to.equal(undefined);
        continue;
      }
      expect(example, `${label}: example`).to.be.an('object');
      const parsed = input.safeParse(example);
      expect(parsed.error?.issues, label).to.equal(undefined);
    }
  });

  it('shows an example envelope on every error status, with a code the catalogue gives it', () => {
    for (const { path, method, operation } of operations(document)) {
      for (const [status, response] of Object.entries(operation.responses as JsonObject)) {
        if (Number(status) < 400) continue;
        const label = `${method} ${path} ${status}`;
        const examples = Object.values(response.content['application/json'].examples ?? {});
        expect(examples, label).to.not.have.length(0);
        for (const { value } of examples as JsonObject[]) {
          expect(value.detail, label).to.be.a('string').that.matches(/\w/);
          expect(
            ERROR_CATALOGUE[value.code as ErrorCode]?.status,
            `${label} ${value.code}`,
          ).to.equal(Number(status));
          if (value.code === 'VALIDATION_ERROR') {
            expect(Object.keys(value.errors ?? {}), label).to.not.have.length(0);
          } else expect(value, label).to.not.have.property('errors');
        }
      }
    }
    const codesOf = (path: string, status: string, method = 'post') =>
      Object.keys(
        document.paths[path][method].responses[status].content['application/json'].examples,
      );
    expect(codesOf('/auth/login/', '401')).to.include('AUTHENTICATION_FAILED');
    expect(codesOf('/auth/refresh/', '401')).to.deep.equal(['TOKEN_INVALID']);
    expect(codesOf('/auth/profile/', '401', 'get')).to.have.members([
      'NOT_AUTHENTICATED',
      'TOKEN_INVALID',
    ]);
    expect(codesOf('/auth/admin/users/', '403', 'get')).to.deep.equal(['PERMISSION_DENIED']);
    expect(codesOf('/auth/register/', '429')).to.deep.equal(['RATE_LIMITED']);
  });

  it('shows as the 400 example the field errors the operation really answers', async () => {
    for (const path of ['/auth/register/', '/auth/login/', '/auth/reset-password/']) {
      const shown =
        document.paths[path].post.responses['400'].content['application/json'].examples
          .VALIDATION_ERROR.value;
      const response = await testApp.http().post(`/api${path}`).send({});
      expect(response.status, path).to.equal(400);
      expect(response.body, path).to.deep.equal(shown);
    }
  });

  it('lets Try-it-out register and log in with the examples as shown', async () => {
    const body = (path: string) =>
      document.paths[path].post.requestBody.content['application/json'].example;
    const registered = await testApp
      .http()
      .post('/api/auth/register/')
      .send(body('/auth/register/'));
    expect(registered.status, JSON.stringify(registered.body)).to.equal(201);
    const loggedIn = await testApp.http().post('/api/auth/login/').send(body('/auth/login/'));
    expect(loggedIn.status, JSON.stringify(loggedIn.body)).to.equal(200);
    expect(loggedIn.body.user.email).to.equal(body('/auth/login/').email);
  });

  it('shows example users and token pairs with obviously fake tokens', () => {
    const [user] = document.components.schemas.User.examples;
    expect(user.email).to.match(/@example\.com$/);
    const [tokens] = document.components.schemas.TokenPair.examples;
    expect(tokens.access).to.include('not-a-real-signature');
    expect(tokens.refresh).to.include('not-a-real-signature');
  });

  it('answers an empty call to each operation with a status it documents', async () => {
    for (const { path, method, operation } of operations(document)) {
      const concrete = `/api${path.replace(/\{(\w+)\}/g, '00000000-0000-4000-8000-000000000000')}`;
      const request = testApp
        .http()
        [method as 'get' | 'post' | 'put' | 'patch' | 'delete'](concrete);
      const response =
        method === 'get' || method === 'delete' ? await request : await request.send({});
      expect(Object.keys(operation.responses), `${method} ${path} → ${response.status}`).to.include(
        String(response.status),
      );
      expect(response.body.code, `${method} ${path}`).to.be.oneOf(ERROR_CODES);
    }
  });

  it('serves the docs page with swagger-ui from /api/docs/, no CDN', async () => {
    for (const path of ['/api/docs/', '/api/docs']) {
      const page = await testApp.http().get(path);
      expect(page.status).to.equal(200);
      expect(page.type).to.equal('text/html');
    }
    const page = await testApp.http().get('/api/docs/');
    const references = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!);
    expect(references.length).to.be.at.least(3);
    expect(page.text).to.not.match(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline script (CSP)
    for (const reference of references) {
      expect(reference, reference).to.match(/^\/api\/docs\//);
      const asset = await testApp.http().get(reference);
      expect(asset.status, reference).to.equal(200);
      expect(Number(asset.headers['content-length'] ?? asset.text?.length ?? 1)).to.be.above(0);
    }
    expect(references).to.include('/api/docs/swagger-ui-bundle.js');
    const init = await testApp.http().get('/api/docs/init.js');
    expect(init.text).to.include("'/api/openapi.json'");
    const csp = page.headers['content-security-policy'] as string;
    expect(csp).to.match(/script-src 'self'/);
    expect((await testApp.http().get('/api/docs/unknown-asset.js')).status).to.equal(404);
  });
});
