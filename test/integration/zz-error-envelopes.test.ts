/**
 * Runs last (file order): every REST error response that any suite of this run provoked, held
 * against the ErrorEnvelope schema that GET /api/openapi.json publishes, with the headers the
 * contract promises. A few errors no other suite needs are provoked here first.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import { expect } from 'chai';
import { ERROR_CATALOGUE, ERROR_CODES, type ErrorCode } from '../../server/errors.js';
import { ScryptPasswordHasher } from '../../server/lib/password-hasher.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { recordedErrors, type RecordedError } from '../helpers/error-envelopes.js';
import { registerUser, uniqueEmail } from '../helpers/factories.js';

type JsonObject = Record<string, any>;

/** With the whole suite there are hundreds; fewer means the recorder stopped seeing them. */
const MANY = 50;

const header = (error: RecordedError, name: string) => {
  const value = error.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(', ') : value === undefined ? undefined : String(value);
};
const label = (error: RecordedError) => `${error.method} ${error.path} → ${error.status}`;

function parseBody(error: RecordedError): unknown {
  try {
    return JSON.parse(error.body);
  } catch {
    throw new Error(`${label(error)}: the body is not JSON: "${error.body.slice(0, 200)}"`);
  }
}

/** The provocations of this file: errors of the HTTP layer itself, and a 503 and a 429. */
async function provokeOwnErrors() {
  const testApp = await createTestApp({ env: { BODY_LIMIT_BYTES: '2048' } });
  const http = () => testApp.http();
  await http()
    .post('/api/auth/login/')
    .set('Content-Type', 'application/json')
    .send('{"email": "a@b.c", "password": ');
  await http().post('/api/auth/login/').set('Content-Type', 'text/plain').send('email=a@b.c');
  await http()
    .post('/api/auth/register/')
    .send({ email: 'big@example.com', full_name: 'x'.repeat(4096) });
  await http()
    .post('/api/auth/login/')
    .send([{ email: 'a@b.c' }]);
  await http().get('/api/auth/no-such-endpoint/');
  await http().delete('/api/auth/login/');
  await http().get('/api/auth/profile/');
  await http().get('/api/auth/profile/').set('Authorization', 'Bearer not.a.jwt');
  await http().post('/api/auth/refresh/').send({ refresh: 'not.a.jwt' });
  await http()
    .post('/api/auth/login/')
    .send({ email: uniqueEmail('none'), password: 'x' });

  // 503: a hasher with one slot and no queue, and several logins at once.
  const user = await registerUser(testApp);
  const saturated = await createTestApp({
    overrides: {
      hasher: new ScryptPasswordHasher({ logN: 12, r: 8, p: 1 }, { concurrency: 1, queueLimit: 0 }),
    },
  });
  await Promise.all(
    Array.from({ length: 5 }, () =>
      saturated.http().post('/api/auth/login/').send({ email: user.email, password: 'Wrong-1234' }),
    ),
  );

  // 429 where rate limiting exists: a burst of failed logins for one account.
  const limited = await createTestApp({ env: { RATE_LIMIT_ENABLED: 'true' } });
  for (let attempt = 0; attempt < 12; attempt += 1) {
    await limited
      .http()
      .post('/api/auth/login/')
      .send({ email: user.email, password: `Wrong-${attempt}` });
  }
}

/** The documented operation a recorded request reached, if any. */
function operationOf(document: JsonObject, error: RecordedError): JsonObject | undefined {
  const path = error.path.split('?')[0]!.replace(/^\/api/, '');
  const withSlash = path.endsWith('/') ? path : `${path}/`;
  for (const [template, item] of Object.entries(document.paths as JsonObject)) {
    const pattern = new RegExp(`^${template.replace(/\{\w+\}/g, '[^/]+')}$`);
    if (pattern.test(withSlash)) return (item as JsonObject)[error.method.toLowerCase()];
  }
  return undefined;
}

describe('every REST error of the run (runs last)', () => {
  let fromOtherSuites = 0;
  let document: JsonObject;
  let errors: RecordedError[];

  before(async function () {
    this.timeout(60_000);
    fromOtherSuites = recordedErrors.length;
    await provokeOwnErrors();
    const testApp: TestApp = await createTestApp();
    document = (await testApp.http().get('/api/openapi.json').expect(200)).body;
    errors = [...recordedErrors];
    const byStatus = new Map<number, number>();
    for (const error of errors) byStatus.set(error.status, (byStatus.get(error.status) ?? 0) + 1);
    console.log(
      `      ${errors.length} error responses recorded (${fromOtherSuites} from other suites): ` +
        [...byStatus.entries()]
          .sort(([a], [b]) => a - b)
          .map(([status, count]) => `${status}×${count}`)
          .join(', '),
    );
  });

  it('saw many error responses, of many kinds', () => {
    if (fromOtherSuites > 0) {
      expect(fromOtherSuites, 'errors recorded by the other suites').to.be.at.least(MANY);
    }
    const statuses = new Set(errors.map((error) => error.status));
    for (const status of [400, 401, 404, 405, 413, 415, 503]) {
      expect(statuses.has(status), `a ${status} was recorded`).to.equal(true);
    }
  });

  it('gave every one a body that matches the published ErrorEnvelope schema', () => {
    const ajv = new Ajv2020({ strict: true, allErrors: true });
    const validate = ajv.compile(document.components.schemas.ErrorEnvelope);
    for (const error of errors) {
      expect(header(error, 'content-type'), label(error)).to.match(/^application\/json/);
      const body = parseBody(error);
      expect(validate(body), `${label(error)}: ${ajv.errorsText(validate.errors)}`).to.equal(true);
    }
  });

  it('answered each code with its status, and field errors on validation errors only', () => {
    for (const error of errors) {
      const body = parseBody(error) as { code: ErrorCode; detail: string; errors?: object };
      expect(ERROR_CODES, label(error)).to.include(body.code);
      expect(ERROR_CATALOGUE[body.code].status, label(error)).to.equal(error.status);
      expect('errors' in body, `${label(error)} ${error.body}`).to.equal(
        body.code === 'VALIDATION_ERROR',
      );
      expect(body.detail, label(error)).to.not.match(/\n\s+at |SELECT |INSERT |Sequelize|Error:/);
      if (body.code === 'INTERNAL_ERROR') {
        expect(body.detail).to.equal(ERROR_CATALOGUE.INTERNAL_ERROR.detail);
      }
    }
  });

  it('sent WWW-Authenticate: Bearer with every 401', () => {
    const unauthorized = errors.filter((error) => error.status === 401);
    expect(unauthorized.length).to.be.above(0);
    for (const error of unauthorized) {
      expect(header(error, 'www-authenticate'), label(error)).to.match(/^Bearer\b/);
    }
  });

  it('sent Retry-After in whole seconds with every 429 and 503', () => {
    const throttled = errors.filter((error) => error.status === 429 || error.status === 503);
    expect(throttled.length).to.be.above(0);
    for (const error of throttled) {
      expect(header(error, 'retry-after'), label(error)).to.match(/^[1-9]\d*$/);
    }
  });

  it('answered documented operations only with statuses the document lists', () => {
    for (const error of errors) {
      const operation = operationOf(document, error);
      if (!operation) continue; // unknown paths and methods: 404 and 405 of the router
      expect(Object.keys(operation.responses), label(error)).to.include(String(error.status));
    }
  });
});
