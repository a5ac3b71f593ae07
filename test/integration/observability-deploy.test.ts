/**
 * deploy/observability/ against the real tools: promtool checks the rules and the scrape config
 * and runs the rules' unit tests; the dashboard and the alerts name only metrics the service
 * exports; and a real Prometheus (Debian's package) scrapes a running service's METRICS_PORT
 * and finds the login counter moved by the logins this test made.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Metrics } from '../../server/observability/metrics.js';
import { STRONG_PASSWORD } from '../helpers/factories.js';
import {
  freePort,
  ROOT,
  startChild,
  startService,
  type ChildHandle,
  type RunningService,
} from '../helpers/spawn-service.js';
import { testEnvironment } from '../setup.js';

const run = promisify(execFile);
const DIRECTORY = join(ROOT, 'deploy/observability');

async function installed(program: string): Promise<boolean> {
  return run(program, ['--version'], { timeout: 10_000 }).then(
    () => true,
    () => false,
  );
}

/** Skips where the program is missing, except in CI, which installs it (.ci/run). */
async function requireProgram(context: Mocha.Context, program: string) {
  if (await installed(program)) return;
  if (process.env.CI) throw new Error(`${program} is not installed (apt-get install prometheus)`);
  context.skip();
}

/** Every metric name the service can export (a Redis store and an outbox included). */
async function exportedNames(): Promise<Set<string>> {
  const metrics = new Metrics({
    hashQueueDepth: () => 0,
    databasePool: () => ({ inUse: 0, waiting: 0, size: 0 }),
    redisUp: () => true,
    outboxBacklog: async () => ({ pending: 0, oldestCreatedAt: null }),
    ready: async () => true,
    now: () => new Date(),
  });
  const names = new Set<string>();
  for (const [, name, type] of (await metrics.render()).matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name!);
    if (type === 'histogram' || type === 'summary') {
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(name! + suffix);
    }
  }
  return names;
}

describe('deploy/observability', () => {
  it('alert rules and the scrape config pass promtool, and the rules pass their unit tests', async function () {
    this.timeout(30_000);
    await requireProgram(this, 'promtool');
    const options = { cwd: DIRECTORY, timeout: 20_000 };
    const rules = await run('promtool', ['check', 'rules', 'alerts.yml'], options);
    expect(rules.stdout).to.match(/SUCCESS: 7 rules found/);
    await run('promtool', ['check', 'config', 'prometheus.yml'], options);
    const tests = await run('promtool', ['test', 'rules', 'alerts.test.yml'], options);
    expect(tests.stdout).to.match(/SUCCESS/);
  });

  it('the dashboard and the alerts name only metrics the service exports', async () => {
    const names = await exportedNames();
    const dashboard = JSON.parse(
      await readFile(join(DIRECTORY, 'grafana-dashboard.json'), 'utf8'),
    ) as { panels: Array<{ title: string; targets: Array<{ expr: string }> }> };
    const alerts = await readFile(join(DIRECTORY, 'alerts.yml'), 'utf8');
    const expressions = [
      ...dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr)),
      ...[...alerts.matchAll(/expr: ([^\n]+(?:\n {10,}[^\n]+)*)/g)].map((match) => match[1]!),
    ];
    expect(dashboard.panels.length).to.be.at.least(12);
    const used = new Set(expressions.flatMap((expression) => expression.match(/auth_\w+/g) ?? []));
    expect(used.size).to.be.at.least(20);
    expect([...used].filter((name) => !names.has(name))).to.deep.equal([]);
  });

  describe('a real Prometheus scraping the service', () => {
    let service: RunningService | undefined;
    let prometheus: ChildHandle | undefined;
    let dataDirectory: string | undefined;

    after(async () => {
      await prometheus?.kill();
      await service?.kill();
      if (dataDirectory) await rm(dataDirectory, { recursive: true, force: true });
    });

    it('finds the login counter moved by the logins made', async function () {
      this.timeout(90_000);
      await requireProgram(this, 'prometheus');
      const environment = testEnvironment();
      const metricsPort = await freePort();
      service = await startService({
        NODE_ENV: 'development',
        SECRET_KEY: randomBytes(48).toString('base64url'),
        DATABASE_URL: environment.databaseUrl,
        REDIS_URL: environment.redisUrl ?? '',
        REDIS_KEY_PREFIX: `${environment.redisKeyPrefix}prometheus:`,
        MIGRATE_ON_START: 'true',
        LOG_LEVEL: 'warn',
        EMAIL_BACKEND: 'console',
        EMAIL_OUTBOX_WORKER: 'false',
        SCRYPT_LOG_N: '12',
        METRICS_PORT: String(metricsPort),
      });

      // The public port does not serve the metrics.
      expect((await fetch(`${service.baseUrl}/metrics`)).status).to.equal(404);

      dataDirectory = await mkdtemp(join(tmpdir(), 'auth-prometheus-'));
      const configFile = join(dataDirectory, 'prometheus.yml');
      await writeFile(
        configFile,
        [
          'global: { scrape_interval: 1s, evaluation_interval: 1s }',
          'scrape_configs:',
          '  - job_name: auth-service',
          `    static_configs: [{ targets: ['127.0.0.1:${metricsPort}'] }]`,
        ].join('\n'),
      );
      const prometheusPort = await freePort();
      prometheus = startChild(
        [
          `--config.file=${configFile}`,
          `--storage.tsdb.path=${join(dataDirectory, 'data')}`,
          `--web.listen-address=127.0.0.1:${prometheusPort}`,
        ],
        {},
        'prometheus',
      );

      const email = `scraped.${Date.now()}@example.com`;
      const register = await fetch(`${service.baseUrl}/api/auth/register/`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          email,
          full_name: 'Scraped User',
          password: STRONG_PASSWORD,
          password_confirm: STRONG_PASSWORD,
        }),
      });
      expect(register.status).to.equal(201);
      for (let i = 0; i < 3; i += 1) {
        const login = await fetch(`${service.baseUrl}/api/auth/login/`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email, password: STRONG_PASSWORD }),
        });
        expect(login.status).to.equal(200);
      }

      // Bounded: Prometheus starts, scrapes every second, and the sample arrives.
      const query = encodeURIComponent('sum(auth_logins_total{outcome="success"})');
      const deadline = Date.now() + 60_000;
      let last = '';
      while (Date.now() < deadline) {
        const answer = await fetch(
          `http://127.0.0.1:${prometheusPort}/api/v1/query?query=${query}`,
        ).then(
          async (response) => response.text(),
          (error: Error) => error.message,
        );
        last = answer;
        const value = /"value":\[[\d.]+,"(\d+)"\]/.exec(answer)?.[1];
        if (value === '3') return;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      throw new Error(
        `Prometheus did not see 3 logins within 60 s; last answer: ${last}; prometheus said: ${prometheus.stderr().slice(-2000)}`,
      );
    });
  });
});
