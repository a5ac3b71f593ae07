/**
 * The metrics listener: GET /metrics on METRICS_PORT, apart from the public port, so the
 * numbers (which tell a lot about the traffic) are reachable only where the operator exposes
 * that port, such as to Prometheus inside the cluster. Nothing else is served on it.
 *
 * Under server/cluster.ts the primary listens and answers with every worker's metrics
 * combined (worker-metrics.ts); a worker answers the primary instead of listening.
 */
import cluster from 'node:cluster';
import { createServer, type Server } from 'node:http';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from './metrics.js';
import { answerPrimary } from './worker-metrics.js';

/** What the listener serves: the exposition text and its content type. */
export interface MetricsSource {
  render(): Promise<string>;
  readonly contentType: string;
}

/** In a cluster worker, answers the primary's scrapes; elsewhere, starts the listener. */
export async function serveMetrics(
  metrics: Metrics,
  address: { host: string; port: number },
  logger: Logger,
): Promise<Server | null> {
  if (cluster.isWorker) {
    answerPrimary(metrics.registry);
    return null;
  }
  return startMetricsServer(metrics, address, logger);
}

export async function startMetricsServer(
  metrics: MetricsSource,
  address: { host: string; port: number },
  logger: Logger,
): Promise<Server> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found\n');
      return;
    }
    metrics.render().then(
      (text) => {
        response.writeHead(200, { 'content-type': metrics.contentType });
        response.end(request.method === 'HEAD' ? undefined : text);
      },
      (error: Error) => {
        logger.error({ err: error }, 'could not collect metrics');
        response.writeHead(500, { 'content-type': 'text/plain' }).end('Metrics unavailable\n');
      },
    );
  });
  // A scrape is one short request; keep nothing open for long.
  server.keepAliveTimeout = 5000;
  server.headersTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, resolve);
  });
  return server;
}
