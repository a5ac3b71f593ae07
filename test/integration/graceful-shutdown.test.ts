/**
 * The real process, started as an operator starts it: on SIGTERM it reports not ready while
 * it still accepts (SHUTDOWN_DELAY_SECONDS), then stops accepting, lets the request in flight
 * finish, closes its pools and exits 0; a bad setting stops it at once with one line naming
 * the variable.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { expect } from 'chai';
import { testEnvironment } from '../setup.js';
import {
  freePort,
  runToEnd,
  startService,
  tsxArgs,
  type RunningService,
} from '../helpers/spawn-service.js';

const SHUTDOWN_TIMEOUT_SECONDS = 10;
/** What a stack trace looks like on stderr. */
const STACK_FRAME = /^\s+at \S/m;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Everything the server sends until it closes the connection (bounded). */
function readToEnd(socket: Socket, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete response within ${timeoutMs} ms; got: ${received}`));
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(received);
    });
  });
}

interface RawResponse {
  status: number;
  head: string;
  body: string;
}

/** One GET on a new connection, as a probe sends it: addressed by IP, read to the end. */
async function rawGet(port: number, path: string, connection: 'close' | 'keep-alive') {
  const socket = await openSocket(port);
  const received = readToEnd(socket, 5000);
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: 10.1.2.3:${port}\r\nConnection: ${connection}\r\n\r\n`,
  );
  const [head = '', body = ''] = (await received).split('\r\n\r\n');
  return { status: Number(head.split(' ')[1]), head, body } satisfies RawResponse;
}

/**
 * Resolves once a new connection to the port is refused (bounded). A connection reset while it
 * is being made is the listener closing under it (the kernel had queued the handshake): try
 * again, the next one is refused.
 */
async function refusedWithin(port: number, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const socket = await openSocket(port);
      socket.destroy();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ECONNRESET') return code ?? String(error);
    }
    if (Date.now() > deadline) throw new Error(`port ${port} still accepts connections`);
    await sleep(50);
  }
}

describe('the service process', function () {
  this.timeout(60_000);

  describe('on SIGTERM', () => {
    let service: RunningService | undefined;

    before(async () => {
      const environment = testEnvironment();
      service = await startService({
        NODE_ENV: 'development',
        SECRET_KEY: randomBytes(48).toString('base64url'),
        DATABASE_URL: environment.databaseUrl,
        // Without a Redis for the tests, the in-process store (allowed in development).
        REDIS_URL: environment.redisUrl ?? '',
        REDIS_KEY_PREFIX: `${environment.redisKeyPrefix}shutdown:`,
        MIGRATE_ON_START: 'true',
        LOG_LEVEL: 'warn',
        SHUTDOWN_TIMEOUT_SECONDS: String(SHUTDOWN_TIMEOUT_SECONDS),
        EMAIL_BACKEND: 'console',
        SCRYPT_LOG_N: '12',
      });
    });

    after(async () => {
      await service?.kill();
    });

    it('finishes the request in flight, refuses new connections, and exits 0', async () => {
      const running = service!;
      const body = JSON.stringify({
        email: 'nobody@example.com',
        password: 'Correct-Horse-Battery-9',
      });
      const half = Math.floor(body.length / 2);

      // A slow client: headers and half of the body now, the rest after SIGTERM.
      const socket = await openSocket(running.port);
      const response = readToEnd(socket, 15_000);
      socket.write(
        'POST /api/auth/login/ HTTP/1.1\r\n' +
          `Host: 127.0.0.1:${running.port}\r\n` +
          'Content-Type: application/json\r\n' +
          `Content-Length: ${Buffer.byteLength(body)}\r\n` +
          'Connection: keep-alive\r\n\r\n' +
          body.slice(0, half),
      );
      // Time for the server to read the headers, with room for a loaded machine: the request is in flight.
      await sleep(1000);

      const signalled = Date.now();
      running.child.kill('SIGTERM');
      expect(await refusedWithin(running.port, 5000)).to.equal('ECONNREFUSED');
      expect(
        running.child.exitCode,
        `still draining: ${running.stderr()} ${running.stdout()}`,
      ).to.equal(null);

      socket.write(body.slice(half));
      const completed = Date.now();
      const raw = await response;
      const [head, json] = raw.split('\r\n\r\n');
      expect(head).to.match(/^HTTP\/1\.1 401 /);
      expect(head).to.match(/^www-authenticate: Bearer/im);
      expect(JSON.parse(json!)).to.deep.include({ code: 'AUTHENTICATION_FAILED' });
      // Although the client asked for keep-alive, the draining server ends the connection
      // right after the response instead of holding it (and the drain) to the deadline.
      expect(head).to.match(/^connection: close/im);
      expect(Date.now() - completed, 'connection closed after the response').to.be.below(5000);

      const exit = await running.exited((SHUTDOWN_TIMEOUT_SECONDS + 5) * 1000);
      expect(exit, running.stderr()).to.deep.equal({ code: 0, signal: null });
      expect(Date.now() - signalled, 'exit before the drain deadline').to.be.below(
        (SHUTDOWN_TIMEOUT_SECONDS - 2) * 1000,
      );
      expect(running.stderr()).not.to.match(STACK_FRAME);
    });
  });

  describe('on SIGTERM with a not-ready pause (SHUTDOWN_DELAY_SECONDS)', () => {
    const PAUSE_SECONDS = 4;
    let service: RunningService | undefined;

    before(async () => {
      const environment = testEnvironment();
      service = await startService({
        NODE_ENV: 'development',
        SECRET_KEY: randomBytes(48).toString('base64url'),
        DATABASE_URL: environment.databaseUrl,
        REDIS_URL: environment.redisUrl ?? '',
        REDIS_KEY_PREFIX: `${environment.redisKeyPrefix}shutdown-pause:`,
        MIGRATE_ON_START: 'true',
        LOG_LEVEL: 'warn',
        // Probes address the process by IP; only requests for this name are served.
        ALLOWED_HOSTS: 'auth.example.com',
        SHUTDOWN_DELAY_SECONDS: String(PAUSE_SECONDS),
        SHUTDOWN_TIMEOUT_SECONDS: String(SHUTDOWN_TIMEOUT_SECONDS),
        EMAIL_BACKEND: 'console',
        SCRYPT_LOG_N: '12',
      });
    });

    after(async () => {
      await service?.kill();
    });

    it('answers ready 503 while still serving, then stops accepting, and the request in flight completes', async () => {
      const running = service!;
      const port = running.port;
      const before = await rawGet(port, '/health/ready', 'close');
      expect(before.status, before.body).to.equal(200);

      const body = JSON.stringify({
        email: 'nobody@example.com',
        password: 'Correct-Horse-Battery-9',
      });
      const half = Math.floor(body.length / 2);
      const socket = await openSocket(port);
      const inFlight = readToEnd(socket, 30_000);
      socket.write(
        'POST /api/auth/login/ HTTP/1.1\r\n' +
          'Host: auth.example.com\r\n' +
          'Content-Type: application/json\r\n' +
          `Content-Length: ${Buffer.byteLength(body)}\r\n` +
          'Connection: keep-alive\r\n\r\n' +
          body.slice(0, half),
      );
      // Time for the server to read the headers, with room for a loaded machine: the request is in flight.
      await sleep(1000);

      const signalled = Date.now();
      running.child.kill('SIGTERM');
      // Until the signal is handled ready may still say 200; the next answer must be 503.
      let ready: RawResponse;
      do {
        ready = await rawGet(port, '/health/ready/', 'close');
        if (ready.status === 200) await sleep(50);
      } while (ready.status === 200 && Date.now() - signalled < 3000);
      expect(ready.status, ready.body).to.equal(503);
      expect(JSON.parse(ready.body)).to.deep.equal({
        status: 'unhealthy',
        service: 'auth_service',
        checks: { shutdown: 'draining' },
      });
      expect(ready.head).to.match(/^retry-after: \d+$/im);

      // Still accepting and serving, but each connection ends after its response.
      const live = await rawGet(port, '/health/live', 'keep-alive');
      expect(live.status, live.body).to.equal(200);
      expect(live.head).to.match(/^connection: close/im);

      expect(await refusedWithin(port, PAUSE_SECONDS * 1000 + 5000)).to.equal('ECONNREFUSED');
      expect(Date.now() - signalled, 'accepting through the pause').to.be.at.least(
        PAUSE_SECONDS * 1000,
      );
      expect(running.child.exitCode, 'still draining').to.equal(null);

      socket.write(body.slice(half));
      const [head, json] = (await inFlight).split('\r\n\r\n');
      expect(head).to.match(/^HTTP\/1\.1 401 /);
      expect(JSON.parse(json!)).to.deep.include({ code: 'AUTHENTICATION_FAILED' });
      expect(head).to.match(/^connection: close/im);

      const exit = await running.exited((SHUTDOWN_TIMEOUT_SECONDS + 5) * 1000);
      expect(exit, running.stderr()).to.deep.equal({ code: 0, signal: null });
      expect(running.stderr()).not.to.match(STACK_FRAME);
    });
  });

  describe('with a bad setting', () => {
    type Outcome = Awaited<ReturnType<typeof runToEnd>> & { lines: string[] };
    const outcomes = new Map<string, Promise<Outcome>>();

    function start(settings: Record<string, string>): Promise<Outcome> {
      // A bound against a process that starts serving instead of stopping, with room for tsx
      // compiling the server on a loaded machine (it took over 20 s with two runs at once).
      return runToEnd(
        tsxArgs('server/index.ts'),
        { HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...settings },
        60_000,
      ).then((result) => ({
        ...result,
        lines: result.stderr.split('\n').filter((line) => line.trim() !== ''),
      }));
    }

    before(async function () {
      this.timeout(90_000);
      // Both processes at once: each spends most of its time loading, not failing.
      const environment = testEnvironment();
      outcomes.set('port', start({ NODE_ENV: 'development', PORT: 'abc' }));
      outcomes.set(
        'secret',
        start({
          NODE_ENV: 'production',
          SECRET_KEY: 'too-short-k3y',
          DATABASE_URL: environment.databaseUrl,
          REDIS_URL: environment.redisUrl ?? 'redis://127.0.0.1:6379/0',
          ALLOWED_HOSTS: '127.0.0.1',
          FRONTEND_URL: 'https://app.example.com',
          EMAIL_BACKEND: 'console',
          PORT: String(await freePort()),
        }),
      );
      await Promise.allSettled(outcomes.values());
    });

    it('exits non-zero with one line naming PORT when PORT is not a number', async () => {
      const result = await outcomes.get('port')!;
      expect(result.code).to.not.equal(0);
      expect(result.lines, result.stderr).to.have.length(1);
      expect(result.lines[0]).to.match(/PORT/);
      expect(result.lines[0]).to.match(/abc/);
      expect(result.stderr).not.to.match(STACK_FRAME);
      expect(result.stdout).not.to.match(/listening/);
    });

    it('exits non-zero naming SECRET_KEY in production with a short key, never showing it', async () => {
      const result = await outcomes.get('secret')!;
      expect(result.code).to.not.equal(0);
      expect(result.lines, result.stderr).to.have.length(1);
      expect(result.lines[0]).to.match(/SECRET_KEY/);
      expect(result.stderr + result.stdout).not.to.include('too-short-k3y');
      expect(result.stderr).not.to.match(STACK_FRAME);
      expect(result.stdout).not.to.match(/listening/);
    });
  });
});
