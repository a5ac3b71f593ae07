/**
 * The container's start path, without a container: build like the Dockerfile, lay out an
 * /app-like directory (package.json, production-only node_modules, dist/, templates/), and
 * run `node dist/server/index.js` with NODE_ENV=production against a fresh PostgreSQL
 * database and Redis. Proves that the compiled service starts, migrates, serves the REST
 * contract, on SIGTERM reports not ready for its default pause and then drains an in-flight
 * request and exits 0, and refuses a weak key.
 *
 *   npm run test:deploy
 *
 * Needs PostgreSQL on 127.0.0.1:5432 (user postgres, no password) and Redis on
 * 127.0.0.1:6379; installs production dependencies from the npm cache (or registry).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import pg from 'pg';
import { createClient } from 'redis';
import { TEST_DATABASE, TEST_KEY_PREFIX } from '../helpers/run-id.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const HOST = '127.0.0.1';
// Named after this run (test/helpers/run-id.ts), so runs on one machine never share it.
const DATABASE = `${TEST_DATABASE}_prod`;
const ADMIN_DATABASE_URL = `postgres://postgres@${HOST}:5432/postgres`;
const REDIS_URL = `redis://${HOST}:6379/15`;
const STARTUP_TIMEOUT_MS = 30_000;
const EXIT_TIMEOUT_MS = 20_000;

interface Service {
  child: ChildProcess;
  stdout: string[];
  stderr: string[];
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** What `npm run build` writes for the admin console, and the image copies. */
const CONSOLE_PAGE = 'admin-console/dist/index.html';

describe('production start path (node dist/server/index.js)', function () {
  this.timeout(300_000);

  let app: string;
  let port: number;
  let service: Service | undefined;
  const secretKey = randomBytes(48).toString('base64url');
  const user = {
    email: `deploy-${randomBytes(4).toString('hex')}@example.com`,
    full_name: 'Deploy Check',
    password: 'Correct-Horse-Battery-9',
  };

  before(async function () {
    // The Dockerfile's build stage, then its deps stage, then its runtime layout.
    await mustSucceed('npm', ['run', 'build'], ROOT, 180_000);
    for (const entry of ['dist/server/index.js', 'dist/db/migrate.js', CONSOLE_PAGE]) {
      expect(existsSync(join(ROOT, entry)), `${entry} after npm run build`).to.equal(true);
    }
    app = mkdtempSync(join(tmpdir(), 'auth-service-app-'));
    for (const file of [
      'package.json',
      'package-lock.json',
      '.npmrc',
      'client-sdk/package.json',
      'admin-console/package.json',
    ]) {
      cpSync(join(ROOT, file), join(app, file));
    }
    await mustSucceed(
      'npm',
      [
        'ci',
        '--omit=dev',
        '--workspaces=false',
        '--ignore-scripts',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
      ],
      app,
      240_000,
    );
    cpSync(join(ROOT, 'dist'), join(app, 'dist'), { recursive: true });
    cpSync(join(ROOT, 'templates'), join(app, 'templates'), { recursive: true });
    cpSync(join(ROOT, 'admin-console/dist'), join(app, 'admin-console/dist'), {
      recursive: true,
    });

    await recreateDatabase();
    await deleteRunKeys();
    port = await freePort();
  });

  after(async function () {
    if (service && service.child.exitCode === null && service.child.signalCode === null) {
      service.child.kill('SIGKILL');
      await service.exit;
    }
    if (app) rmSync(app, { recursive: true, force: true });
    await dropDatabase().catch(() => undefined);
    await deleteRunKeys().catch(() => undefined);
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed' && service) {
      console.error(
        `--- service stdout ---\n${service.stdout.join('')}\n--- service stderr ---\n${service.stderr.join('')}`,
      );
    }
  });

  it('refuses to start with a short SECRET_KEY: non-zero exit, one stderr line naming it', async function () {
    const weakKey = 'too-short-key-123';
    const refused = startService(app, environment({ SECRET_KEY: weakKey, PORT: String(port) }));
    const { code } = await within(refused.exit, EXIT_TIMEOUT_MS, 'the refused service to exit');
    const lines = refused.stderr
      .join('')
      .split('\n')
      .filter((line) => line.trim() !== '');
    expect(code, 'exit code').to.be.a('number').and.not.equal(0);
    expect(lines, `stderr: ${refused.stderr.join('')}`).to.have.length(1);
    expect(lines[0]).to.include('SECRET_KEY');
    expect(lines[0], 'the rejected value is not echoed').not.to.include(weakKey);
  });

  it('migrates at start and answers /health/ with 200', async function () {
    service = startService(app, environment({ SECRET_KEY: secretKey, PORT: String(port) }));
    const deadline = Date.now() + STARTUP_TIMEOUT_MS;
    let last = 'no response yet';
    while (Date.now() < deadline) {
      if (service.child.exitCode !== null) {
        throw new Error(
          `the service exited with ${service.child.exitCode}: ${service.stderr.join('')}`,
        );
      }
      try {
        const response = await fetch(url('/health/'), { signal: AbortSignal.timeout(2000) });
        const body = (await response.json()) as { status?: string };
        if (response.status === 200) {
          expect(body.status).to.equal('healthy');
          return;
        }
        last = `${response.status} ${JSON.stringify(body)}`;
      } catch (error) {
        last = (error as Error).message;
      }
      await sleep(250);
    }
    throw new Error(`/health/ was not 200 within ${STARTUP_TIMEOUT_MS} ms (last: ${last})`);
  });

  it('serves the admin console at /admin/ from the image layout', async function () {
    expect(service, 'service started by the previous test').to.not.equal(undefined);
    const page = await fetch(url('/admin/'), { signal: AbortSignal.timeout(10_000) });
    expect(page.status).to.equal(200);
    expect(page.headers.get('content-security-policy')).to.include("script-src 'self'");
    const script = /src="(\/admin\/assets\/[^"]+\.js)"/.exec(await page.text())?.[1];
    expect(script, 'the page loads a hashed module script').to.be.a('string');
    const asset = await fetch(url(script!), { signal: AbortSignal.timeout(10_000) });
    expect(asset.status).to.equal(200);
    expect(asset.headers.get('cache-control')).to.equal('public, max-age=31536000, immutable');
  });

  it('registers and logs in a user over REST', async function () {
    expect(service, 'service started by the previous test').to.not.equal(undefined);
    const register = await postJson('/api/auth/register/', {
      ...user,
      password_confirm: user.password,
    });
    expect(register.status, JSON.stringify(register.body)).to.equal(201);
    expect(register.body).to.have.nested.property('user.email', user.email);
    expect(register.body).to.have.nested.property('tokens.access').that.is.a('string');

    const login = await postJson('/api/auth/login/', {
      email: user.email,
      password: user.password,
    });
    expect(login.status, JSON.stringify(login.body)).to.equal(200);
    const access = (login.body as { tokens: { access: string } }).tokens.access;

    const profile = await fetch(url('/api/auth/profile/'), {
      headers: { authorization: `Bearer ${access}` },
      signal: AbortSignal.timeout(10_000),
    });
    expect(profile.status).to.equal(200);
    expect(await profile.json()).to.have.property('email', user.email);
  });

  it('runs the release migration commands (Job, preDeployCommand, CLI) idempotently', async function () {
    const env = environment({ SECRET_KEY: secretKey });
    const options = { cwd: app, env, timeoutMs: 30_000 };
    const up = await execute(process.execPath, ['dist/db/migrate.js', 'up'], options);
    expect(up.code, up.output).to.equal(0);
    const status = await execute(process.execPath, ['dist/db/migrate.js', 'status'], options);
    expect(status.code, status.output).to.equal(0);
    expect(status.output).to.match(/pending: none/);
    const cli = await execute(process.execPath, ['dist/server/cli.js', 'migrate'], options);
    expect(cli.code, cli.output).to.equal(0);
  });

  it('on SIGTERM reports not ready while still serving, finishes the request in flight, then exits 0', async function () {
    expect(service, 'service started by an earlier test').to.not.equal(undefined);
    const running = service!;
    const body = JSON.stringify({ email: user.email, password: user.password });
    const half = Math.floor(body.length / 2);

    // A slow client: headers and half the body now, the rest after the signal.
    const socket = await openSocket(port);
    const response = readResponse(socket);
    socket.write(
      [
        'POST /api/auth/login/ HTTP/1.1',
        `Host: ${HOST}:${port}`,
        'Content-Type: application/json',
        `Content-Length: ${Buffer.byteLength(body)}`,
        'Connection: close',
        '',
        body.slice(0, half),
      ].join('\r\n'),
    );
    await sleep(300); // the server has parsed the headers: the request is in flight

    const signalled = Date.now();
    running.child.kill('SIGTERM');
    // Production's default pause (SHUTDOWN_DELAY_SECONDS, 5 s): readiness fails first while
    // new connections are still served, so a load balancer stops sending before refusals.
    let ready = 200;
    while (ready === 200 && Date.now() - signalled < 3000) {
      ready = (await fetch(url('/health/ready'), { signal: AbortSignal.timeout(2000) })).status;
    }
    expect(ready, 'readiness after SIGTERM').to.equal(503);
    expect(
      (await fetch(url('/health/live'), { signal: AbortSignal.timeout(2000) })).status,
    ).to.equal(200);
    // Shutdown has begun once new connections are refused; the open request must survive it.
    await untilRefused(port, 15_000);
    expect(Date.now() - signalled, 'the pause kept the listener open').to.be.at.least(5000);
    expect(running.child.exitCode, 'still draining the open request').to.equal(null);
    // write, not end: a half-closed socket makes Node's HTTP server abort the request.
    socket.write(body.slice(half));

    const { status, body: text } = await within(response, 15_000, 'the in-flight response');
    expect(status, text).to.equal(200);
    expect(JSON.parse(text)).to.have.nested.property('tokens.access').that.is.a('string');

    const { code, signal } = await within(
      running.exit,
      EXIT_TIMEOUT_MS,
      'the service to exit after SIGTERM',
    );
    expect(signal, 'terminated by a signal instead of exiting').to.equal(null);
    expect(code, `exit code; stderr: ${running.stderr.join('')}`).to.equal(0);
  });

  function url(path: string) {
    return `http://${HOST}:${port}${path}`;
  }

  async function postJson(path: string, payload: unknown) {
    const response = await fetch(url(path), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(15_000),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }
});

/** Only what the container would get: no developer shell variables, no .env (cwd is `app`). */
function environment(overrides: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    HOST,
    DATABASE_URL: `postgres://postgres@${HOST}:5432/${DATABASE}`,
    REDIS_URL,
    REDIS_KEY_PREFIX: `${TEST_KEY_PREFIX}prod:`,
    MIGRATE_ON_START: 'true',
    LOG_LEVEL: 'warn',
    SHUTDOWN_TIMEOUT_SECONDS: '10',
    // What production refuses to start without (docs/deployment.md, "Production checklist").
    ALLOWED_HOSTS: HOST,
    FRONTEND_URL: 'https://app.example.com',
    EMAIL_BACKEND: 'console',
    ...overrides,
  };
}

function startService(cwd: string, env: NodeJS.ProcessEnv): Service {
  const child = spawn(process.execPath, ['dist/server/index.js'], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => stdout.push(chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
    (resolveExit) => {
      child.on('exit', (code, signal) => resolveExit({ code, signal }));
    },
  );
  return { child, stdout, stderr, exit };
}

/** Runs a command to completion (bounded), collecting its output. */
function execute(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolveRun, rejectRun) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeoutMs,
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', rejectRun);
    child.on('exit', (code) => resolveRun({ code, output }));
  });
}

async function mustSucceed(command: string, args: string[], cwd: string, timeoutMs: number) {
  const { code, output } = await execute(command, args, { cwd, timeoutMs });
  if (code !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${code}):\n${output.slice(-4000)}`);
  }
}

async function deleteRunKeys() {
  const redis = createClient({ url: REDIS_URL });
  await redis.connect();
  try {
    for await (const keys of redis.scanIterator({ MATCH: `${TEST_KEY_PREFIX}*`, COUNT: 1000 }))
      if (keys.length) await redis.unlink(keys);
  } finally {
    redis.destroy();
  }
}

async function recreateDatabase() {
  await dropDatabase();
  await withAdminClient((client) => client.query(`CREATE DATABASE ${DATABASE}`));
}

async function dropDatabase() {
  await withAdminClient((client) =>
    client.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`),
  );
}

async function withAdminClient<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({
    connectionString: ADMIN_DATABASE_URL,
    connectionTimeoutMillis: 5000,
  });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, rejectPort) => {
    const server = createServer();
    server.once('error', rejectPort);
    server.listen(0, HOST, () => {
      const address = server.address();
      const chosen = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(chosen));
    });
  });
}

/** Resolves once a new connection to the port is refused (the server stopped listening). */
async function untilRefused(targetPort: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const refused = await new Promise<boolean>((resolveAttempt) => {
      const probe = connect({ host: HOST, port: targetPort });
      probe.once('connect', () => {
        probe.destroy();
        resolveAttempt(false);
      });
      probe.once('error', (error: NodeJS.ErrnoException) =>
        resolveAttempt(error.code === 'ECONNREFUSED'),
      );
    });
    if (refused) return;
    await sleep(50);
  }
  throw new Error(`port ${targetPort} still accepted connections ${timeoutMs} ms after SIGTERM`);
}

function openSocket(targetPort: number): Promise<Socket> {
  return new Promise((resolveSocket, rejectSocket) => {
    const socket = connect({ host: HOST, port: targetPort }, () => resolveSocket(socket));
    socket.once('error', rejectSocket);
    socket.setTimeout(20_000, () => socket.destroy(new Error('socket timed out')));
  });
}

/** Reads one HTTP/1.1 response until the server closes the connection. */
function readResponse(socket: Socket): Promise<{ status: number; body: string }> {
  return new Promise((resolveResponse, rejectResponse) => {
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.once('error', rejectResponse);
    socket.once('close', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const split = raw.indexOf('\r\n\r\n');
      if (split < 0)
        return rejectResponse(new Error(`incomplete response: ${JSON.stringify(raw)}`));
      const head = raw.slice(0, split);
      let body = raw.slice(split + 4);
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1]);
      if (/^transfer-encoding:\s*chunked/im.test(head)) body = dechunk(body);
      const length = /^content-length:\s*(\d+)/im.exec(head)?.[1];
      if (length !== undefined && Buffer.byteLength(body) !== Number(length)) {
        return rejectResponse(
          new Error(`truncated body: ${Buffer.byteLength(body)} of ${length} bytes`),
        );
      }
      resolveResponse({ status, body });
    });
  });
}

function dechunk(encoded: string): string {
  let rest = Buffer.from(encoded, 'utf8');
  const parts: Buffer[] = [];
  for (;;) {
    const lineEnd = rest.indexOf('\r\n');
    if (lineEnd < 0) throw new Error('truncated chunked body');
    const size = parseInt(rest.subarray(0, lineEnd).toString(), 16);
    if (size === 0) return Buffer.concat(parts).toString('utf8');
    parts.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
    rest = rest.subarray(lineEnd + 2 + size + 2);
  }
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, rejectTimeout) => {
    timer = setTimeout(
      () => rejectTimeout(new Error(`timed out after ${ms} ms waiting for ${what}`)),
      ms,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function sleep(ms: number) {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
}
