/**
 * Metrics across server/cluster.ts's workers: each worker keeps its own registry, and the
 * primary answers a scrape with all of them combined (prom-client's aggregation: counters and
 * histograms summed, gauges as each metric's aggregator says), asked over the cluster's IPC
 * channel.
 *
 * The primary asks only the workers that listen already, and a worker answers from before it
 * listens. prom-client's own AggregatorRegistry asks every connected worker instead, so a scrape
 * while one starts (or replaces a dead one) went to a worker that could not answer yet, waited
 * 5 s and failed.
 */
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry, prometheusContentType, type Registry } from 'prom-client';
import type { MetricsSource } from './metrics-server.js';

const REQUEST = 'auth-service:metrics-request';
const ANSWER = 'auth-service:metrics';
/** Below Prometheus's default scrape timeout (10 s), so a stuck worker fails the scrape visibly. */
const ANSWER_TIMEOUT_MS = 5000;

interface Request {
  type: typeof REQUEST;
  id: number;
}

interface Answer {
  type: typeof ANSWER;
  id: number;
  metrics?: object[];
  error?: string;
}

const isMessage = <T extends { type: string }>(message: unknown, type: T['type']): message is T =>
  typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type;

/** In a worker: answers the primary's requests with `registry`'s metrics. */
export function answerPrimary(registry: Registry): void {
  process.on('message', (message: unknown) => {
    if (!isMessage<Request>(message, REQUEST)) return;
    // A worker on its way out may have lost the channel; the primary's wait then ends the scrape.
    const answer = (fields: Partial<Answer>) =>
      process.send?.({ type: ANSWER, id: message.id, ...fields }, undefined, undefined, () => {});
    registry.getMetricsAsJSON().then(
      (metrics) => answer({ metrics }),
      (error: Error) => answer({ error: error.message }),
    );
  });
}

/**
 * In the primary, before the workers are forked: renders the listening workers' metrics
 * combined. A worker that does not answer in time fails the scrape (partial sums would look
 * like counter resets).
 */
export function workerMetrics(): MetricsSource {
  const listening = new Set<Worker>();
  cluster.on('listening', (worker) => listening.add(worker));
  cluster.on('exit', (worker) => listening.delete(worker));
  const waiting = new Map<number, (answer: Answer) => void>();
  cluster.on('message', (_worker, message: unknown) => {
    if (isMessage<Answer>(message, ANSWER)) waiting.get(message.id)?.(message);
  });
  let nextId = 0;

  const ask = (worker: Worker) =>
    new Promise<object[]>((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(
          new Error(`worker ${worker.process.pid} sent no metrics within ${ANSWER_TIMEOUT_MS} ms`),
        );
      }, ANSWER_TIMEOUT_MS);
      waiting.set(id, (answer) => {
        clearTimeout(timer);
        waiting.delete(id);
        if (answer.error !== undefined) reject(new Error(answer.error));
        else resolve(answer.metrics ?? []);
      });
      // A worker that exited meanwhile: the error comes here instead of crashing the primary.
      worker.send({ type: REQUEST, id } satisfies Request, undefined, (error) => {
        if (error) waiting.get(id)?.({ type: ANSWER, id, error: error.message });
      });
    });

  return {
    async render() {
      const workers = [...listening].filter((worker) => worker.isConnected());
      const answers = await Promise.all(workers.map(ask));
      return AggregatorRegistry.aggregate(answers).metrics();
    },
    contentType: prometheusContentType,
  };
}
