/**
 * `npm run check:deploy` holds every deployment file to the probes: liveness (what restarts)
 * on /health/live, readiness (what routes traffic) on /health/ready, a shutdown that fits the
 * platform's grace period, and a Compose file dclint passes with its default rules. Each case
 * changes one committed file in a scratch copy of the repository and expects the check to
 * name the problem.
 */
import {
  cpSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { checkCompose } from '../../scripts/deploy/compose.js';
import { checkDockerfile } from '../../scripts/deploy/dockerfile.js';
import { checkKubernetes } from '../../scripts/deploy/kubernetes.js';
import { checkRailway, checkRender } from '../../scripts/deploy/platforms.js';
import type { CheckResult } from '../../scripts/deploy/report.js';
import { ROOT } from '../helpers/spawn-service.js';

type Check = (root: string) => CheckResult | Promise<CheckResult>;

const scratchRoots: string[] = [];

/**
 * A repository root where `file` reads as `change` makes it and everything else is the
 * committed tree (linked, not copied; the changed file's top-level folder is copied).
 */
function rootWith(file: string, change: (text: string) => string): string {
  const root = mkdtempSync(join(tmpdir(), 'deploy-checks-'));
  scratchRoots.push(root);
  const top = file.split('/')[0]!;
  for (const entry of readdirSync(ROOT)) {
    if (entry === top) cpSync(join(ROOT, entry), join(root, entry), { recursive: true });
    else symlinkSync(join(ROOT, entry), join(root, entry));
  }
  const original = readFileSync(join(ROOT, file), 'utf8');
  const changed = change(original);
  expect(changed, `the change to ${file} applied`).to.not.equal(original);
  writeFileSync(join(root, file), changed);
  return root;
}

async function problems(check: Check, root: string): Promise<string[]> {
  return (await check(root)).problems.map((problem) => problem.message);
}

const replaceOnce = (from: string | RegExp, to: string) => (text: string) => text.replace(from, to);

describe('check:deploy holds the probes', function () {
  this.timeout(30_000);

  after(() => {
    for (const root of scratchRoots) rmSync(root, { recursive: true, force: true });
  });

  it('passes the committed files', async () => {
    for (const check of [
      checkDockerfile,
      checkCompose,
      checkKubernetes,
      checkRender,
      checkRailway,
    ]) {
      expect(await problems(check, ROOT), check.name).to.deep.equal([]);
    }
  });

  describe('Kubernetes', () => {
    const deployment = 'deploy/kubernetes/deployment.yaml';
    /** The deployment with one probe's path replaced. */
    const probePath = (probe: string, path: string) =>
      replaceOnce(new RegExp(`(${probe}:\\n\\s+httpGet:\\n\\s+path: )\\S+`), `$1${path}`);

    it('refuses readiness on /health/, which fails when only Redis is down', async () => {
      const root = rootWith(deployment, probePath('readinessProbe', '/health/'));
      expect(await problems(checkKubernetes, root)).to.deep.equal([
        'Deployment: readinessProbe must GET /health/ready',
      ]);
    });

    it('refuses liveness or startup on anything that calls a dependency', async () => {
      const liveness = rootWith(deployment, probePath('livenessProbe', '/health/ready'));
      expect(await problems(checkKubernetes, liveness)).to.deep.equal([
        'Deployment: livenessProbe must GET /health/live',
      ]);
      const startup = rootWith(deployment, probePath('startupProbe', '/health/'));
      expect(await problems(checkKubernetes, startup)).to.deep.equal([
        'Deployment: startupProbe must GET /health/live',
      ]);
    });

    it('accepts the trailing-slash spelling the service also answers', async () => {
      const root = rootWith(deployment, probePath('readinessProbe', '/health/ready/'));
      expect(await problems(checkKubernetes, root)).to.deep.equal([]);
    });

    it('refuses a shutdown longer than the grace period', async () => {
      const root = rootWith(
        'deploy/kubernetes/configmap.yaml',
        replaceOnce(/SHUTDOWN_TIMEOUT_SECONDS: '\d+'/, "SHUTDOWN_TIMEOUT_SECONDS: '25'"),
      );
      expect(await problems(checkKubernetes, root)).to.deep.equal([
        'Deployment: terminationGracePeriodSeconds (30) must exceed preStop sleep (0) + SHUTDOWN_DELAY_SECONDS (5) + SHUTDOWN_TIMEOUT_SECONDS (25)',
      ]);
    });
  });

  describe('Compose', () => {
    it('refuses a web healthcheck on /health/', async () => {
      const root = rootWith('docker-compose.yml', replaceOnce('8000/health/ready', '8000/health/'));
      const found = await problems(checkCompose, root);
      expect(found).to.have.length(1);
      expect(found[0]).to.match(/^web's healthcheck must probe readiness, \/health\/ready/);
    });

    it("refuses what dclint's default rules refuse: build and image on one service", async () => {
      const root = rootWith(
        'docker-compose.yml',
        replaceOnce(
          '    build:\n      context: .\n',
          '    image: auth-service:local\n    build:\n      context: .\n',
        ),
      );
      const found = await problems(checkCompose, root);
      expect(found).to.have.length(1);
      expect(found[0]).to.match(/using both "build" and "image".*\[no-build-and-image\]$/);
    });
  });

  it('refuses an image HEALTHCHECK on readiness (runtimes restart on it)', async () => {
    const root = rootWith('Dockerfile', replaceOnce("'/health/live'", "'/health/ready'"));
    expect(await problems(checkDockerfile, root)).to.deep.equal([
      'the runtime stage needs a HEALTHCHECK that probes liveness, /health/live (runtimes restart an unhealthy container)',
    ]);
  });

  it('refuses an image whose node lacks the V8 flags npm run start:prod gives it', async () => {
    const root = rootWith('Dockerfile', replaceOnce(/NODE_OPTIONS=\S+/, 'NODE_OPTIONS='));
    expect(await problems(checkDockerfile, root)).to.deep.equal([
      "the runtime stage's NODE_OPTIONS must carry --max-semi-space-size=16, as `npm run start:prod` does",
    ]);
  });

  it('refuses Render and Railway health checks on /health/', async () => {
    const render = rootWith(
      'render.yaml',
      replaceOnce('healthCheckPath: /health/ready', 'healthCheckPath: /health/'),
    );
    expect(await problems(checkRender, render)).to.deep.equal([
      "the web service's healthCheckPath must be /health/ready",
    ]);
    const railway = rootWith('railway.json', replaceOnce('"/health/ready"', '"/health/"'));
    expect(await problems(checkRailway, railway)).to.deep.equal([
      'deploy.healthcheckPath must be /health/ready',
    ]);
  });

  it('refuses a Railway draining window shorter than the not-ready pause plus the drain', async () => {
    const root = rootWith(
      'railway.json',
      replaceOnce(/"drainingSeconds": \d+/, '"drainingSeconds": 15'),
    );
    expect(await problems(checkRailway, root)).to.deep.equal([
      'deploy.drainingSeconds must exceed the 15 s shutdown (SHUTDOWN_DELAY_SECONDS + SHUTDOWN_TIMEOUT_SECONDS)',
    ]);
  });
});
