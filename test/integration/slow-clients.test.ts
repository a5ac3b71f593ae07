/**
 * The real process, against clients that hoard connections: one that trickles its headers a
 * line at a time is cut once HTTP_HEADERS_TIMEOUT_MS has passed (not after the better part of a
 * minute), and connections beyond HTTP_MAX_CONNECTIONS are closed at once while the service
 * keeps answering. Bounds are set small here; the checks leave generous slack for a loaded
 * machine.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { expect } from 'chai';
import { startService, type RunningService } from '../helpers/spawn-service.js';
import { testEnvironment } from '../setup.js';

const HEADERS_TIMEOUT_MS = 1000;
const MAX_CONNECTIONS = 3;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Watched {
  socket: Socket;
  received: () => string;
  /** Milliseconds from the connect to the close, once closed. */
  closedAfterMs: () => number | null;
  closed: Promise<void>;
}

function open(port: number): Promise<Watched> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let received = '';
    let closedAt: number | null = null;
    let connectedAt = 0;
    const closed = new Promise<void>((resolveClose) =>
      socket.once('close', () => {
        closedAt = Date.now();
        resolveClose();
      }),
    );
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('error', () => undefined); // a reset is a close like any other here
    socket.once('connect', () => {
      connectedAt = Date.now();
      resolve({
        socket,
        received: () => received,
        closedAfterMs: () => (closedAt === null ? null : closedAt - connectedAt),
        closed,
      });
    });
    socket.once('error', reject);
  });
}

describe('slow and hoarding clients (the real process)', function () {
  this.timeout(60_000);
  let service: RunningService | undefined;

  before(async () => {
    const environment = testEnvironment();
    service = await startService({
      NODE_ENV: 'development',
      SECRET_KEY: randomBytes(48).toString('base64url'),
      DATABASE_URL: environment.databaseUrl,
      REDIS_URL: environment.redisUrl ?? '',
      REDIS_KEY_PREFIX: `${environment.redisKeyPrefix}slow:`,
      LOG_LEVEL: 'warn',
      EMAIL_BACKEND: 'console',
      HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
      HTTP_REQUEST_TIMEOUT_MS: '5000',
      HTTP_MAX_CONNECTIONS: String(MAX_CONNECTIONS),
    });
  });
  after(async () => {
    await service?.kill();
  });

  it('cuts a connection that trickles its headers once HTTP_HEADERS_TIMEOUT_MS has passed', async () => {
    const slow = await open(service!.port);
    slow.socket.write('GET /health/ HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    let lines = 0;
    const trickle = setInterval(() => {
      if (!slow.socket.destroyed) slow.socket.write(`X-Slow-${(lines += 1)}: still here\r\n`);
    }, 200);
    try {
      // Before the bound it held on for 30 to 60 s; give it ten.
      await Promise.race([slow.closed, sleep(10_000)]);
    } finally {
      clearInterval(trickle);
      slow.socket.destroy();
    }
    const heldMs = slow.closedAfterMs();
    expect(heldMs, 'the connection was still open after 10 s').to.not.equal(null);
    expect(heldMs).to.be.at.least(HEADERS_TIMEOUT_MS - 100);
    expect(heldMs, 'the bound plus a check interval, with slack').to.be.below(6000);
    expect(slow.received()).to.match(/^HTTP\/1\.1 408 /);
    expect(lines, 'the client kept sending all along').to.be.at.least(3);
  });

  it('answers headers past the parser limit and malformed HTTP with 400 in the error envelope, not a bare status line', async () => {
    for (const request of [
      `GET /api/auth/profile/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'x'.repeat(20_000)}\r\n\r\n`,
      'GET /api/auth/profile/ HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header Name: 1\r\n\r\n',
    ]) {
      const client = await open(service!.port);
      client.socket.write(request);
      await Promise.race([client.closed, sleep(5000)]);
      client.socket.destroy();
      const [head, body] = client.received().split('\r\n\r\n');
      expect(head).to.match(/^HTTP\/1\.1 400 /);
      expect(head).to.match(/content-type: application\/json/i);
      expect(JSON.parse(body ?? '')).to.have.property('code', 'VALIDATION_ERROR');
    }
  });

  it('closes connections beyond HTTP_MAX_CONNECTIONS at once, and serves again once they go', async () => {
    const sockets: Watched[] = [];
    for (let index = 0; index <= MAX_CONNECTIONS; index += 1) {
      sockets.push(await open(service!.port));
    }
    // The first close, however long a loaded machine takes to get to it (the ones the headers
    // timeout ends would have received a 408, which the check below tells apart).
    await Promise.race([Promise.any(sockets.map((watched) => watched.closed)), sleep(10_000)]);
    const refused = sockets.filter((watched) => watched.closedAfterMs() !== null);
    try {
      expect(refused.length, 'connections over the limit are closed').to.be.at.least(1);
      for (const watched of refused) expect(watched.received(), 'without an answer').to.equal('');
      expect(sockets.length - refused.length).to.be.at.most(MAX_CONNECTIONS);
    } finally {
      for (const watched of sockets) watched.socket.destroy();
    }
    await Promise.all(sockets.map((watched) => watched.closed));
    const health = await fetch(`${service!.baseUrl}/health/`, {
      signal: AbortSignal.timeout(5000),
    });
    expect(health.status).to.equal(200);
  });
});
