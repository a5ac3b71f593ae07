/**
 * The Telemetry the composition root hands to services and infrastructure: counts go to the
 * metrics (when METRICS_PORT is set), spans to the tracer (when OTEL_* asks for traces). With
 * neither, it is `silentTelemetry` itself, so nothing is paid for either.
 */
import { silentTelemetry, type Telemetry } from '../lib/telemetry.js';
import type { Metrics } from './metrics.js';
import type { Tracing } from './tracing.js';

export function combineTelemetry(metrics: Metrics | null, tracing: Tracing | null): Telemetry {
  if (!metrics && !tracing) return silentTelemetry;
  const counts: Omit<Telemetry, 'span'> = metrics ?? silentTelemetry;
  return {
    login: (outcome) => counts.login(outcome),
    refreshReuse: () => counts.refreshReuse(),
    rateLimitRefused: (limit) => counts.rateLimitRefused(limit),
    sessionsRevoked: (reason, count) => counts.sessionsRevoked(reason, count),
    tokenCacheLookup: (result) => counts.tokenCacheLookup(result),
    passwordHashed: (waitSeconds, hashSeconds) => {
      counts.passwordHashed(waitSeconds, hashSeconds);
      // Called inside the hash's span: its queue wait goes on it.
      tracing?.annotate({ 'auth.hash.queue_wait_ms': Math.round(waitSeconds * 1000) });
    },
    passwordHashRefused: () => counts.passwordHashRefused(),
    redisCommand: (command, seconds, failed) => counts.redisCommand(command, seconds, failed),
    emailDelivered: (transport, outcome) => counts.emailDelivered(transport, outcome),
    span: tracing
      ? (name, attributes, work) => tracing.span(name, attributes, work)
      : silentTelemetry.span,
  };
}
