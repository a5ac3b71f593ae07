/**
 * The observers the edge runs for every request (server/http/edge.ts): the trace's server span
 * first, so it covers the metrics step too, then the request metrics. Each only when on.
 */
import type { Dependencies } from '../deps.js';
import type { EdgeStep } from '../http/edge.js';
import { requestMetricsStep } from './request-metrics.js';

export function observabilitySteps(deps: Pick<Dependencies, 'metrics' | 'tracing'>): EdgeStep[] {
  return [
    ...(deps.tracing ? [deps.tracing.requestStep()] : []),
    ...(deps.metrics ? [requestMetricsStep(deps.metrics)] : []),
  ];
}
