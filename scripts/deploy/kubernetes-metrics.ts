/**
 * The metrics listener in the Kubernetes manifests. METRICS_PORT (from the ConfigMap) is the
 * container port named `metrics`, the pod template's prometheus.io/* annotations point at it
 * (deploy/observability/prometheus-kubernetes.yml and annotation-driven setups find the pods by
 * them), and no Service exposes it: the Service is what the ingress routes the public to, and
 * the figures say a lot about the traffic.
 */
import type { KubeObject } from './kubernetes-relations.js';
import { type FileReport, isRecord, recordAt } from './report.js';

export const METRICS_PORT_NAME = 'metrics';
const METRICS_PATH = '/metrics';

/** What one Deployment declares about its metrics. */
export interface PodMetrics {
  /** METRICS_PORT as the container's ConfigMaps set it; undefined when unset. */
  metricsPort: number | undefined;
  template: Record<string, unknown>;
  ports: Record<string, unknown>[];
  report: FileReport;
}

export function checkPodMetrics({ metricsPort, template, ports, report }: PodMetrics) {
  const annotations = recordAt(template, 'metadata', 'annotations');
  const named = ports.find((port) => port.name === METRICS_PORT_NAME);
  if (metricsPort === undefined) {
    report.check(
      annotations['prometheus.io/scrape'] !== 'true' && !named,
      `Deployment: a "${METRICS_PORT_NAME}" port or prometheus.io/scrape without METRICS_PORT in the ConfigMap serves nothing`,
    );
    return;
  }
  report.check(
    named?.containerPort === metricsPort,
    `Deployment: the container port named "${METRICS_PORT_NAME}" must be METRICS_PORT (${metricsPort})`,
  );
  report.check(
    annotations['prometheus.io/scrape'] === 'true',
    `Deployment: the pod template needs the annotation prometheus.io/scrape: "true"`,
  );
  report.check(
    annotations['prometheus.io/port'] === String(metricsPort),
    `Deployment: the annotation prometheus.io/port (${String(annotations['prometheus.io/port'])}) must be METRICS_PORT (${metricsPort})`,
  );
  report.check(
    annotations['prometheus.io/path'] === METRICS_PATH,
    `Deployment: the annotation prometheus.io/path must be ${METRICS_PATH}`,
  );
}

/** Whether a Service port leads to the metrics listener (by number or by the port's name). */
export function exposesMetrics(servicePort: Record<string, unknown>, metricsPort: number) {
  const target = servicePort.targetPort ?? servicePort.port;
  return target === metricsPort || target === METRICS_PORT_NAME;
}

/** The Services' ports that lead to the metrics listener, each a problem. */
export function checkServicesHideMetrics(services: KubeObject[], metricsPort: number | undefined) {
  if (metricsPort === undefined) return;
  for (const service of services) {
    const ports = recordAt(service.body, 'spec').ports;
    for (const port of Array.isArray(ports) ? ports.filter(isRecord) : []) {
      service.report.check(
        !exposesMetrics(port, metricsPort),
        `Service "${service.name}": must not expose the metrics port (METRICS_PORT ${metricsPort}); Prometheus scrapes the pods`,
      );
    }
  }
}
