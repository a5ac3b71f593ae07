/**
 * How the Kubernetes manifests fit together and fit the service: the kustomization lists real
 * files, selectors match the pods, liveness (and startup) probe /health/live and readiness
 * /health/ready on the container port, the grace period outlasts the shutdown, every
 * referenced ConfigMap/Secret exists, the pods run unprivileged with pinned images, and the
 * metrics port is where Prometheus looks and nowhere public (kubernetes-metrics.ts).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { checkPodMetrics, checkServicesHideMetrics, exposesMetrics } from './kubernetes-metrics.js';
import { isProbePath, LIVENESS_PATH, PRODUCTION_SHUTDOWN, READINESS_PATH } from './probes.js';
import { type FileReport, isRecord, recordAt } from './report.js';

const CONTAINER_PORT = 8000;

export interface KubeObject {
  file: string;
  report: FileReport;
  kind: string;
  name: string;
  body: Record<string, unknown>;
}

const KUSTOMIZATION_KEYS = new Set([
  'apiVersion',
  'kind',
  'metadata',
  'resources',
  'components',
  'namespace',
  'namePrefix',
  'nameSuffix',
  'labels',
  'commonLabels',
  'commonAnnotations',
  'images',
  'replicas',
  'configMapGenerator',
  'secretGenerator',
  'generatorOptions',
  'patches',
  'replacements',
  'transformers',
  'generators',
  'buildMetadata',
  'openapi',
  'crds',
  'sortOptions',
]);

export function checkKustomization(
  body: Record<string, unknown>,
  directory: string,
  report: FileReport,
) {
  report.check(
    body.apiVersion === 'kustomize.config.k8s.io/v1beta1',
    'apiVersion must be kustomize.config.k8s.io/v1beta1',
  );
  report.check(body.kind === 'Kustomization', 'kind must be Kustomization');
  for (const key of Object.keys(body))
    report.check(KUSTOMIZATION_KEYS.has(key), `unknown field "${key}"`);
  const resources = Array.isArray(body.resources) ? body.resources : [];
  report.check(resources.length > 0, 'lists no resources');
  for (const resource of resources) {
    report.check(
      typeof resource === 'string' && existsSync(join(directory, resource)),
      `resource "${String(resource)}" does not exist`,
    );
    report.check(
      !/secret\.example/.test(String(resource)),
      'must not apply the example Secret (placeholder values)',
    );
  }
  for (const image of Array.isArray(body.images) ? body.images : []) {
    report.check(
      isRecord(image) && typeof image.name === 'string',
      'every images entry needs a name',
    );
    report.check(
      isRecord(image) && (image.newTag !== undefined || image.digest !== undefined),
      'every images entry must pin newTag or digest',
    );
  }
}

export function checkRelations(objects: KubeObject[], kustomization: FileReport | undefined) {
  const byKind = (kind: string) => objects.filter((object) => object.kind === kind);
  const required = [
    'Deployment',
    'Service',
    'ConfigMap',
    'Secret',
    'Job',
    'HorizontalPodAutoscaler',
    'PodDisruptionBudget',
  ];
  for (const kind of required) {
    if (byKind(kind).length === 0)
      (kustomization ?? objects[0]?.report)?.add(`no ${kind} manifest in deploy/kubernetes`);
  }
  const configMaps = new Set(byKind('ConfigMap').map((object) => object.name));
  /** The settings a container gets from the ConfigMaps it names in envFrom. */
  const configMapData = (container: Record<string, unknown>) => {
    const names = (Array.isArray(container.envFrom) ? container.envFrom : []).map(
      (source) => recordAt(source, 'configMapRef').name,
    );
    const maps = byKind('ConfigMap').filter((object) => names.includes(object.name));
    return Object.assign({}, ...maps.map((object) => recordAt(object.body, 'data'))) as Record<
      string,
      unknown
    >;
  };
  const secrets = new Set(byKind('Secret').map((object) => object.name));
  const deployments = byKind('Deployment');

  for (const object of [...deployments, ...byKind('Job')]) {
    const { report, kind } = object;
    const pod = recordAt(object.body, 'spec', 'template', 'spec');
    const podSecurity = recordAt(pod, 'securityContext');
    report.check(
      podSecurity.runAsNonRoot === true,
      `${kind}: pod securityContext.runAsNonRoot must be true`,
    );
    report.check(
      typeof podSecurity.runAsUser === 'number' && podSecurity.runAsUser > 0,
      `${kind}: pod securityContext.runAsUser must be a non-zero uid`,
    );
    const containers = Array.isArray(pod.containers) ? pod.containers.filter(isRecord) : [];
    for (const container of containers) {
      const label = `${kind} container "${String(container.name)}"`;
      const security = recordAt(container, 'securityContext');
      report.check(
        security.allowPrivilegeEscalation === false,
        `${label}: allowPrivilegeEscalation must be false`,
      );
      const image = String(container.image ?? '');
      report.check(
        /:[\w][\w.-]*$|@sha256:/.test(image) && !/:latest$/.test(image),
        `${label}: image "${image}" must be pinned`,
      );
      report.check(
        'limits' in recordAt(container, 'resources') &&
          'requests' in recordAt(container, 'resources'),
        `${label}: set resources.requests and resources.limits`,
      );
      for (const source of Array.isArray(container.envFrom)
        ? container.envFrom.filter(isRecord)
        : []) {
        const configMap = recordAt(source, 'configMapRef').name;
        const secret = recordAt(source, 'secretRef').name;
        if (configMap !== undefined)
          report.check(
            configMaps.has(String(configMap)),
            `${label}: ConfigMap "${String(configMap)}" is not defined here`,
          );
        if (secret !== undefined)
          report.check(
            secrets.has(String(secret)),
            `${label}: Secret "${String(secret)}" has no example here`,
          );
      }
    }
  }

  for (const deployment of deployments) {
    const { report } = deployment;
    const spec = recordAt(deployment.body, 'spec');
    report.check(
      typeof spec.replicas === 'number' && spec.replicas >= 2,
      'Deployment: run at least 2 replicas',
    );
    const selector = recordAt(spec, 'selector', 'matchLabels');
    const labels = recordAt(spec, 'template', 'metadata', 'labels');
    report.check(
      matches(selector, labels),
      'Deployment: selector.matchLabels must match the pod template labels',
    );
    const containers = recordAt(spec, 'template', 'spec').containers;
    const container = Array.isArray(containers) && isRecord(containers[0]) ? containers[0] : {};
    const ports = Array.isArray(container.ports) ? container.ports.filter(isRecord) : [];
    const port = ports.find((candidate) => candidate.containerPort === CONTAINER_PORT);
    report.check(port, `Deployment: the container must expose port ${CONTAINER_PORT}`);
    const probes: [string, string, boolean][] = [
      ['readinessProbe', READINESS_PATH, true],
      ['livenessProbe', LIVENESS_PATH, true],
      // Until it passes, liveness waits; a dependency outage at start must not restart pods.
      ['startupProbe', LIVENESS_PATH, false],
    ];
    for (const [probe, path, required] of probes) {
      if (!required && !(probe in container)) continue;
      const get = recordAt(container, probe, 'httpGet');
      report.check(isProbePath(get.path, path), `Deployment: ${probe} must GET ${path}`);
      report.check(
        get.port === CONTAINER_PORT || (port !== undefined && get.port === port.name),
        `Deployment: ${probe} must target the container port`,
      );
    }
    checkGracePeriod(recordAt(spec, 'template', 'spec'), container, configMapData, report);
    const metricsSetting = configMapData(container).METRICS_PORT;
    const metricsPort = metricsSetting === undefined ? undefined : Number(metricsSetting);
    checkPodMetrics({ metricsPort, template: recordAt(spec, 'template'), ports, report });
    checkServicesHideMetrics(byKind('Service'), metricsPort);

    for (const service of byKind('Service')) {
      service.report.check(
        matches(recordAt(service.body, 'spec', 'selector'), labels),
        `Service "${service.name}": selector matches no Deployment pods`,
      );
      const servicePorts = recordAt(service.body, 'spec').ports;
      for (const servicePort of Array.isArray(servicePorts) ? servicePorts.filter(isRecord) : []) {
        // Reported by checkServicesHideMetrics, which says why.
        if (metricsPort !== undefined && exposesMetrics(servicePort, metricsPort)) continue;
        const target = servicePort.targetPort;
        service.report.check(
          target === CONTAINER_PORT || (port !== undefined && target === port.name),
          `Service "${service.name}": targetPort ${String(target)} is not the container port`,
        );
      }
    }
    for (const budget of byKind('PodDisruptionBudget')) {
      budget.report.check(
        matches(recordAt(budget.body, 'spec', 'selector', 'matchLabels'), labels),
        'PodDisruptionBudget: selector matches no Deployment pods',
      );
    }
  }
  for (const autoscaler of byKind('HorizontalPodAutoscaler')) {
    const target = recordAt(autoscaler.body, 'spec', 'scaleTargetRef');
    autoscaler.report.check(
      deployments.some(
        (deployment) => target.kind === 'Deployment' && target.name === deployment.name,
      ),
      `HorizontalPodAutoscaler: scaleTargetRef ${String(target.kind)}/${String(target.name)} does not exist`,
    );
    const minReplicas = recordAt(autoscaler.body, 'spec').minReplicas;
    autoscaler.report.check(
      typeof minReplicas === 'number' && minReplicas >= 2,
      'HorizontalPodAutoscaler: minReplicas must be at least 2',
    );
  }
}

/**
 * On SIGTERM the pod reports not ready for SHUTDOWN_DELAY_SECONDS while still serving, then
 * drains for up to SHUTDOWN_TIMEOUT_SECONDS (after any preStop sleep); the kubelet kills it at
 * terminationGracePeriodSeconds, which must come later or in-flight requests are cut.
 */
function checkGracePeriod(
  pod: Record<string, unknown>,
  container: Record<string, unknown>,
  configMapData: (container: Record<string, unknown>) => Record<string, unknown>,
  report: FileReport,
) {
  const settings = configMapData(container);
  const seconds = (value: unknown, fallback: number) =>
    value === undefined ? fallback : Number(value);
  const delay = seconds(settings.SHUTDOWN_DELAY_SECONDS, PRODUCTION_SHUTDOWN.delaySeconds);
  const timeout = seconds(settings.SHUTDOWN_TIMEOUT_SECONDS, PRODUCTION_SHUTDOWN.timeoutSeconds);
  const preStop = recordAt(container, 'lifecycle', 'preStop', 'exec').command;
  const sleep = Array.isArray(preStop) && preStop[0] === 'sleep' ? Number(preStop[1]) || 0 : 0;
  const grace = seconds(pod.terminationGracePeriodSeconds, 30);
  report.check(
    grace > sleep + delay + timeout,
    `Deployment: terminationGracePeriodSeconds (${grace}) must exceed preStop sleep (${sleep}) + SHUTDOWN_DELAY_SECONDS (${delay}) + SHUTDOWN_TIMEOUT_SECONDS (${timeout})`,
  );
}

/** A selector with at least one label, every one of which the pod carries. */
function matches(selector: Record<string, unknown>, labels: Record<string, unknown>) {
  const entries = Object.entries(selector);
  return entries.length > 0 && entries.every(([key, value]) => labels[key] === value);
}
