/**
 * Breached passwords against a local stand-in of the Have I Been Pwned range API (this machine
 * and CI reach no internet): an HTTP server started here that answers `/range/{prefix}` in the
 * real format, with padding lines, records what it was asked, and can be taken down.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { bearer, createTestApp, type TestApp } from '../helpers/app.js';
import { registerUser, STRONG_PASSWORD, uniqueEmail } from '../helpers/factories.js';
import { hasRedis, withRawRedis, TEST_KEY_PREFIX } from '../helpers/inspect.js';
import { recordingLogger } from '../helpers/rate-limit.js';

const BREACHED = 'Breached-Passphrase-42';
/** Listed by the stand-in only as a padding line (count 0): not a breach. */
const PADDED = 'Padded-Passphrase-77';

const sha1 = (text: string) => createHash('sha1').update(text).digest('hex').toUpperCase();

interface StandIn {
  url: string;
  requests: Array<{ path: string; padding: string | undefined }>;
  mode: 'up' | 'failing';
  close(): Promise<void>;
}

/** The range API's answer for a prefix: real-looking lines, the breached one, padding. */
function rangeBody(prefix: string): string {
  const lines: string[] = [];
  for (const [password, count] of [
    [BREACHED, 31337],
    [PADDED, 0],
  ] as const) {
    const digest = sha1(password);
    if (digest.startsWith(prefix)) lines.push(`${digest.slice(5)}:${count}`);
  }
  for (let index = 0; index < 20; index += 1) {
    const filler = sha1(`${prefix}-${index}`).slice(5);
    lines.push(`${filler}:${index % 2 ? 0 : index + 1}`);
  }
  return lines.join('\r\n');
}

async function startStandIn(): Promise<StandIn> {
  const standIn = { requests: [], mode: 'up' } as unknown as StandIn;
  const server: Server = createServer((request, response) => {
    standIn.requests.push({
      path: request.url ?? '',
      padding: request.headers['add-padding'] as string | undefined,
    });
    const match = /^\/range\/([0-9A-F]{5})$/.exec(request.url ?? '');
    if (standIn.mode === 'failing' || !match) {
      response.writeHead(standIn.mode === 'failing' ? 503 : 400).end();
      return;
    }
    response.writeHead(200, { 'Content-Type': 'text/plain' }).end(rangeBody(match[1]!));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  standIn.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  standIn.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return standIn;
}

describe('breached passwords', () => {
  let standIn: StandIn;
  let testApp: TestApp;
  let logLines: Array<{ level: number; msg: string }>;

  async function start(env: Record<string, string> = {}) {
    const { logger, lines } = recordingLogger();
    logLines = lines;
    testApp = await createTestApp({
      env: { PASSWORD_BREACH_CHECK: 'true', HIBP_API_URL: standIn.url, ...env },
      overrides: { logger },
    });
  }

  beforeEach(async () => {
    standIn = await startStandIn();
  });

  afterEach(async () => {
    await standIn.close();
  });

  const register = (password: string) =>
    testApp
      .http()
      .post('/api/auth/register/')
      .send({ email: uniqueEmail(), full_name: 'Ada', password, password_confirm: password });

  it('refuses a breached password at register, sending only the first 5 hex characters, with padding', async () => {
    await start();
    const response = await register(BREACHED);
    expect(response.status).to.equal(400);
    expect(response.body.errors).to.have.keys('password');
    expect(response.body.errors.password[0]).to.match(/breach/);
    expect(standIn.requests).to.deep.equal([
      { path: `/range/${sha1(BREACHED).slice(0, 5)}`, padding: 'true' },
    ]);
    expect((await register(PADDED)).status).to.equal(201);
    expect((await register(STRONG_PASSWORD)).status).to.equal(201);
  });

  it('refuses it at change-password and reset-password, never at login', async () => {
    await start();
    const user = await registerUser(testApp);
    const change = await testApp
      .http()
      .post('/api/auth/change-password/')
      .set(bearer(user.access))
      .send({
        current_password: STRONG_PASSWORD,
        new_password: BREACHED,
        new_password_confirm: BREACHED,
      });
    expect(change.status).to.equal(400);
    expect(change.body.errors).to.have.keys('new_password');

    await testApp.http().post('/api/auth/forgot-password/').send({ email: user.email });
    const reset = await testApp
      .http()
      .post('/api/auth/reset-password/')
      .send({
        token: testApp.mailer.resetTokenFor(user.email),
        password: BREACHED,
        password_confirm: BREACHED,
      });
    expect(reset.status).to.equal(400);
    expect(reset.body.errors).to.have.keys('password');

    const asked = standIn.requests.length;
    const login = await testApp
      .http()
      .post('/api/auth/login/')
      .send({ email: user.email, password: STRONG_PASSWORD });
    expect(login.status).to.equal(200);
    expect(standIn.requests.length).to.equal(asked);
  });

  it('refuses it when the operator sets a password from the CLI', async () => {
    await start();
    const user = await registerUser(testApp);
    try {
      await testApp.deps.services.accounts.setPasswordAsOperator(user.email, BREACHED);
      expect.fail('a breached password must be refused');
    } catch (error) {
      expect((error as { fieldErrors?: object }).fieldErrors).to.have.keys('password');
    }
  });

  it('asks the API once a day per prefix: the answer is cached in Redis', async function () {
    if (!hasRedis()) this.skip();
    await start();
    await register(BREACHED);
    await register(BREACHED);
    expect(standIn.requests).to.have.length(1);
    const ttl = await withRawRedis((redis) =>
      redis.ttl(`${TEST_KEY_PREFIX}hibp-range:${sha1(BREACHED).slice(0, 5)}`),
    );
    expect(ttl).to.be.within(86_000, 86_400);
  });

  it('accepts the password with a warning when the API is down (fail open)', async () => {
    await start();
    standIn.mode = 'failing';
    expect((await register(BREACHED)).status).to.equal(201);
    expect(logLines.some((line) => /breached-password check unavailable/.test(line.msg))).to.equal(
      true,
    );
  });

  it('accepts it too when nothing listens at the address', async () => {
    await standIn.close();
    await start();
    expect((await register(STRONG_PASSWORD)).status).to.equal(201);
  });

  it('answers 503 when the API is down and PASSWORD_BREACH_FAIL_CLOSED=true', async () => {
    await start({ PASSWORD_BREACH_FAIL_CLOSED: 'true' });
    standIn.mode = 'failing';
    const response = await register(STRONG_PASSWORD);
    expect(response.status).to.equal(503);
    expect(response.body.code).to.equal('SERVICE_UNAVAILABLE');
    expect(response.headers['retry-after']).to.equal('30');
  });

  it('asks nothing when PASSWORD_BREACH_CHECK is off (the default)', async () => {
    testApp = await createTestApp({ env: { HIBP_API_URL: standIn.url } });
    expect((await register(BREACHED)).status).to.equal(201);
    expect(standIn.requests).to.have.length(0);
  });
});
