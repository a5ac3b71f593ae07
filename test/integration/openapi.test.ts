import SwaggerParser from '@apidevtools/swagger-parser';
import { expect } from 'chai';
import { ERROR_CODES } from '../../server/errors.js';
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
