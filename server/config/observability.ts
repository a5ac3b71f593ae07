/**
 * Observability (docs/operations.md): Prometheus metrics on a second listener, and
 * OpenTelemetry traces turned on by the standard OTEL_* variables. The exporter reads the rest
 * of OTEL_EXPORTER_OTLP_* (headers, timeout, compression) and the SDK OTEL_RESOURCE_ATTRIBUTES
 * themselves: they are the OpenTelemetry specification's, passed through unchanged.
 */
import { z } from 'zod';
import type { httpVariables } from './http.js';
import { booleanFromEnv, integer, url } from './parsers.js';

export const observabilityVariables = z.object({
  // Prometheus metrics at GET /metrics on this port; unset, none and no second listener.
  METRICS_PORT: integer(0, 65535).optional(),
  OTEL_SDK_DISABLED: booleanFromEnv.default(false),
  OTEL_TRACES_EXPORTER: z.enum(['otlp', 'none']).optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: url(/^https?:$/, 'http(s)://').optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: url(/^https?:$/, 'http(s)://').optional(),
  OTEL_SERVICE_NAME: z.string().min(1).default('auth-service'),
  OTEL_TRACES_SAMPLER: z
    .enum([
      'always_on',
      'always_off',
      'traceidratio',
      'parentbased_always_on',
      'parentbased_always_off',
      'parentbased_traceidratio',
    ])
    .default('parentbased_always_on'),
  OTEL_TRACES_SAMPLER_ARG: z.coerce
    .number({ error: 'expected a number from 0 to 1' })
    .min(0, { error: 'must be at least 0' })
    .max(1, { error: 'must be at most 1' })
    .default(1),
});

type ObservabilityEnvironment = z.output<typeof observabilityVariables>;

/** Traces are on when an OTLP endpoint is given or OTEL_TRACES_EXPORTER=otlp, unless disabled. */
function tracingFrom(environment: ObservabilityEnvironment) {
  const asked =
    environment.OTEL_TRACES_EXPORTER === 'otlp' ||
    (environment.OTEL_TRACES_EXPORTER === undefined &&
      (environment.OTEL_EXPORTER_OTLP_ENDPOINT ?? environment.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT));
  if (!asked || environment.OTEL_SDK_DISABLED) return null;
  const base = environment.OTEL_EXPORTER_OTLP_ENDPOINT;
  return {
    /**
     * Where spans go: the signal's own variable as given, or the base with the signal's path;
     * undefined leaves it to the exporter (http://localhost:4318/v1/traces).
     */
    endpoint:
      environment.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ??
      (base ? `${base.replace(/\/+$/, '')}/v1/traces` : undefined),
    serviceName: environment.OTEL_SERVICE_NAME,
    sampler: { kind: environment.OTEL_TRACES_SAMPLER, ratio: environment.OTEL_TRACES_SAMPLER_ARG },
  };
}

export function observabilitySection(
  environment: ObservabilityEnvironment & Pick<z.output<typeof httpVariables>, 'HOST'>,
) {
  return {
    /** Prometheus metrics at GET /metrics on their own listener (METRICS_PORT); null when off. */
    metrics:
      environment.METRICS_PORT === undefined
        ? null
        : { host: environment.HOST, port: environment.METRICS_PORT },
    /** OpenTelemetry traces over OTLP/HTTP; null when off (observability/tracing.ts). */
    tracing: tracingFrom(environment),
  };
}
