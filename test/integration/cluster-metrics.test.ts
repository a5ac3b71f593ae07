/**
 * `server/cluster.ts` with two workers: the primary serves METRICS_PORT and answers a scrape
 * with every worker's counts combined, so Prometheus sees all the requests the instance served,
 * not those of whichever worker it happened to ask, and a scrape while a worker starts (or
 * replaces one that died) is answered too; the public port (shared by the workers) still
 * answers 404 for /metrics.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { freePort, startService, type RunningService } from '../helpers/spawn-service.js';
import { testEnvironment } from '../setup.js';

const WORKERS = 2;
const REQUESTS = 20;

/** The value of one series in Prometheus text, 0 when it is absent. */
function seriesValue(text: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  const line = text
    .split('\n')
    .find(
      (candidate) =>
        candidate.startsWith(`${name}{`) && wanted.every((label) => candidate.includes(label)),
    );
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** The processes whose parent is `pid` (Linux's /proc): the cluster's workers. */
async function childProcesses(pid: number): Promise<number[]> {
  const children: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    // "pid (command) state ppid ...", where the command may hold spaces and parentheses.
    const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (parent !== pid) continue;
    // Workers run the service's entry; anything else the primary started (tsx's esbuild
    // service, say) is not one.
    const command = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (/server\/index\.[jt]s/.test(command)) children.push(Number(entry));
  }
  return children;
}

describe('Metrics under the cluster', function () {
  this.timeout(30_000);
  let cluster: RunningService | undefined;
  let metricsUrl = '';

  before(async function () {
    const environment = testEnvironment();
    // The cluster refuses to start without a Redis its workers share.
    if (!environment.redisEnv) return this.skip();
    const metricsPort = await freePort();
    metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    cluster = await startService(
      {
        NODE_ENV: 'development',
        SECRET_KEY: randomBytes(48).toString('base64url'),
        DATABASE_URL: environment.databaseUrl,
        ...environment.redisEnv,
        REDIS_KEY_PREFIX: `${environment.redisKeyPrefix}cluster-metrics:`,
        MIGRATE_ON_START: 'false',
        // Each worker says when it listens.
        LOG_LEVEL: 'info',
        EMAIL_BACKEND: 'console',
        EMAIL_OUTBOX_WORKER: 'false',
        HTTP_WORKERS: String(WORKERS),
        SHUTDOWN_DELAY_SECONDS: '0',
        METRICS_PORT: String(metricsPort),
      },
      25_000,
      'server/cluster.ts',
    );
  });

  after(async () => {
    if (!cluster) return;
    // SIGTERM, as an orchestrator stops it: the primary passes it on and exits once the
    // workers have drained; killed if it takes longer.
    cluster.child.kill('SIGTERM');
    await cluster.exited(10_000).catch(() => cluster?.kill());
  });

  const scrape = () => fetch(metricsUrl, { signal: AbortSignal.timeout(8000) });

  it('answers a scrape as soon as the service answers, while a worker may still be starting', async () => {
    const response = await scrape();
    expect(response.status).to.equal(200);
    expect(await response.text()).to.include('# TYPE auth_http_requests_total counter');
  });

  it("sums every worker's request counts", async () => {
    const listening = new RegExp(`(auth-service listening on [^]*){${WORKERS}}`);
    await cluster!.waitForStdout(listening, 20_000);
    // Both workers listen; a new connection each time, so the primary deals them out in turn
    // and each worker counts about half (a kept-alive connection would stay with one). Only
    // the sum of both makes REQUESTS.
    for (let index = 0; index < REQUESTS; index += 1) {
      const response = await fetch(`${cluster!.baseUrl}/api/auth/profile/`, {
        headers: { connection: 'close' },
        signal: AbortSignal.timeout(5000),
      });
      expect(response.status).to.equal(401);
    }

    const response = await scrape();
    expect(response.status).to.equal(200);
    const counted = seriesValue(await response.text(), 'auth_http_requests_total', {
      wire: 'rest',
      operation: 'profile.get',
      status_class: '4xx',
    });
    expect(counted).to.equal(REQUESTS);
  });

  it('serves no metrics on the public port', async () => {
    const response = await fetch(`${cluster!.baseUrl}/metrics`, {
      signal: AbortSignal.timeout(5000),
    });
    expect(response.status).to.equal(404);
  });

  it('answers a scrape while a dead worker is being replaced', async () => {
    const primary = cluster!.child.pid!;
    const workers = await childProcesses(primary);
    expect(workers).to.have.length(WORKERS);
    process.kill(workers[0]!, 'SIGKILL');
    // The replacement is forked half a second later and takes a while to start serving.
    const deadline = Date.now() + 10_000;
    let replacement: number | undefined;
    while (replacement === undefined && Date.now() < deadline) {
      const now = await childProcesses(primary);
      replacement = now.find((pid) => !workers.includes(pid));
      if (replacement === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(replacement, 'a replacement worker within 10 s').to.not.equal(undefined);

    const startedAt = Date.now();
    const response = await scrape();
    expect(response.status).to.equal(200);
    // Not after waiting for the starting worker to answer.
    expect(Date.now() - startedAt).to.be.below(2000);
  });
});
