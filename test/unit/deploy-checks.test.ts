/**
 * `npm run check:deploy` holds every deployment file to the probes: liveness (what restarts)
 * on /health/live, readiness (what routes traffic) on /health/ready, a shutdown that fits the
 * platform's grace period, a Compose file dclint passes with its default rules, and in
 * Kubernetes a metrics port (METRICS_PORT) that Prometheus is pointed at and the Service never
 * exposes. Each case changes one committed file in a scratch copy of the repository and
 * expects the check to name the problem.
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
import { parse } from 'yaml';
import { checkCompose } from '../../scripts/deploy/compose.js';
import { checkDockerfile } from '../../scripts/deploy/dockerfile.js';
import { checkKubernetes } from '../../scripts/deploy/kubernetes.js';
import { checkRailway, checkRender } from '../../scripts/deploy/platforms.js';
import { type CheckResult, recordAt } from '../../scripts/deploy/report.js';
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

interface RelabelRule {
  source_labels?: string[];
  separator?: string;
  regex?: string;
  target_label?: string;
  replacement?: string;
  action?: 'replace' | 'keep' | 'drop';
}

/** A Kubernetes label or annotation name as Prometheus spells it in a meta label. */
const metaName = (name: string) => name.replace(/[^a-zA-Z0-9_]/g, '_');

/**
 * The targets Prometheus's pod discovery makes of one pod of this template (one per declared
 * container port), with the meta labels the relabel rules below read.
 */
function podTargets(template: Record<string, unknown>, ip: string): Record<string, string>[] {
  const pod: Record<string, string> = {
    __meta_kubernetes_namespace: 'default',
    __meta_kubernetes_pod_name: 'auth-service-0',
    __meta_kubernetes_pod_ip: ip,
    __metrics_path__: '/metrics',
  };
  for (const [name, value] of Object.entries(recordAt(template, 'metadata', 'labels')))
    pod[`__meta_kubernetes_pod_label_${metaName(name)}`] = String(value);
  for (const [name, value] of Object.entries(recordAt(template, 'metadata', 'annotations')))
    pod[`__meta_kubernetes_pod_annotation_${metaName(name)}`] = String(value);
  const containers = recordAt(template, 'spec').containers as Record<string, unknown>[];
  return containers.flatMap((container) =>
    (container.ports as Record<string, unknown>[]).map((port) => ({
      ...pod,
      __address__: `${ip}:${String(port.containerPort)}`,
      __meta_kubernetes_pod_container_port_name: String(port.name),
      __meta_kubernetes_pod_container_port_number: String(port.containerPort),
    })),
  );
}

/** Prometheus's relabelling (keep, drop, replace), or null when a rule drops the target. */
function relabel(labels: Record<string, string>, rules: RelabelRule[]) {
  const result = { ...labels };
  for (const rule of rules) {
    const value = (rule.source_labels ?? [])
      .map((name) => result[name] ?? '')
      .join(rule.separator ?? ';');
    const match = new RegExp(`^(?:${rule.regex ?? '(.*)'})$`).exec(value);
    const action = rule.action ?? 'replace';
    if (action === 'keep' && !match) return null;
    if (action === 'drop' && match) return null;
    if (action === 'replace' && match && rule.target_label) {
      result[rule.target_label] = (rule.replacement ?? '$1').replace(
        /\$\{?(\d+)\}?/g,
        (_whole, group: string) => match[Number(group)] ?? '',
      );
    }
  }
  return result;
}

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

  describe('Kubernetes metrics', () => {
    const configMap = 'deploy/kubernetes/configmap.yaml';
    const metricsPort = (port: string) =>
      replaceOnce(/METRICS_PORT: '\d+'/, `METRICS_PORT: '${port}'`);

    it('refuses a METRICS_PORT the metrics container port and the scrape annotation do not follow', async () => {
      const root = rootWith(configMap, metricsPort('9465'));
      expect(await problems(checkKubernetes, root)).to.deep.equal([
        'Deployment: the container port named "metrics" must be METRICS_PORT (9465)',
        'Deployment: the annotation prometheus.io/port (9464) must be METRICS_PORT (9465)',
      ]);
    });

    it('refuses a scrape annotation that points Prometheus elsewhere', async () => {
      const root = rootWith(
        'deploy/kubernetes/deployment.yaml',
        replaceOnce("prometheus.io/port: '9464'", "prometheus.io/port: '8000'"),
      );
      expect(await problems(checkKubernetes, root)).to.deep.equal([
        'Deployment: the annotation prometheus.io/port (8000) must be METRICS_PORT (9464)',
      ]);
    });

    it('refuses a Service that exposes the metrics port, by name or by number', async () => {
      for (const target of ['metrics', '9464']) {
        const root = rootWith(
          'deploy/kubernetes/service.yaml',
          (text) =>
            `${text}    - name: metrics\n      port: 9464\n      targetPort: ${target}\n      protocol: TCP\n`,
        );
        expect(await problems(checkKubernetes, root), target).to.deep.equal([
          'Service "auth-service": must not expose the metrics port (METRICS_PORT 9464); Prometheus scrapes the pods',
        ]);
      }
    });

    it('refuses METRICS_PORT on the public port', async () => {
      const root = rootWith(configMap, metricsPort('8000'));
      expect(await problems(checkKubernetes, root)).to.include(
        'METRICS_PORT (8000) must differ from PORT: metrics are never served on the public port',
      );
    });

    it("prometheus-kubernetes.yml scrapes each pod once, on the Deployment's metrics port and path", () => {
      const deployment = parse(
        readFileSync(join(ROOT, 'deploy/kubernetes/deployment.yaml'), 'utf8'),
      );
      const config = parse(
        readFileSync(join(ROOT, 'deploy/observability/prometheus-kubernetes.yml'), 'utf8'),
      );
      const job = recordAt(config).scrape_configs as Record<string, unknown>[];
      const rules = job[0]!.relabel_configs as RelabelRule[];
      const targets = podTargets(recordAt(deployment, 'spec', 'template'), '10.1.2.3')
        .map((labels) => relabel(labels, rules))
        .filter((labels) => labels !== null);
      expect(targets.map((labels) => [labels.__address__, labels.__metrics_path__])).to.deep.equal([
        ['10.1.2.3:9464', '/metrics'],
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
