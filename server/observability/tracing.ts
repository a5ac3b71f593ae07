/**
 * OpenTelemetry traces, on when the standard OTEL_* variables ask for them (config.ts decides;
 * docs/operations.md lists them). Then every request gets a server span (continuing an incoming
 * `traceparent`), every procedure call a span, and PostgreSQL queries, Redis commands, password
 * hashes (with their queue wait) and mail deliveries child spans, exported over OTLP/HTTP in
 * batches. The SDK is imported here only when tracing starts: with tracing off nothing of it
 * is loaded, and Telemetry.span costs one function call.
 *
 * What spans carry is chosen here and nowhere else: fixed names, the procedure path, the status
 * code, the kind of query or command. Never a URL (a query string may hold a token), a query's
 * text (Sequelize inlines values), a header, an email address or a password.
 */
import type * as OtelApi from '@opentelemetry/api';
import type { Span, Tracer } from '@opentelemetry/api';
import type { W3CTraceContextPropagator as Propagator } from '@opentelemetry/core';
import type { SpanExporter, TracerProvider } from '@opentelemetry/sdk-trace';
import type { Middleware } from 'koa';
import type { Sequelize } from 'sequelize';
import type { Config } from '../config/index.js';
import type { SpanAttributes } from '../lib/telemetry.js';

type Api = typeof OtelApi;

const headerGetter = {
  keys: (carrier: Record<string, unknown>) => Object.keys(carrier),
  get: (carrier: Record<string, unknown>, key: string) => {
    const value = carrier[key];
    return typeof value === 'string' || Array.isArray(value)
      ? (value as string | string[])
      : undefined;
  },
};

async function sampler(settings: NonNullable<Config['tracing']>) {
  const sdk = await import('@opentelemetry/sdk-trace');
  const { kind, ratio } = settings.sampler;
  const root = kind.endsWith('always_off')
    ? new sdk.AlwaysOffSampler()
    : kind.endsWith('traceidratio')
      ? new sdk.TraceIdRatioBasedSampler(ratio)
      : new sdk.AlwaysOnSampler();
  return kind.startsWith('parentbased_') ? new sdk.ParentBasedSampler({ root }) : root;
}

const HOOK = 'tracing';

export class Tracing {
  private readonly querySpans = new WeakMap<object, Span>();

  private constructor(
    private readonly api: Api,
    private readonly tracer: Tracer,
    private readonly provider: TracerProvider,
    private readonly propagator: Propagator,
  ) {}

  /**
   * Starts the SDK. `exporter` replaces the OTLP/HTTP one (whose endpoint, headers, timeout and
   * compression the exporter reads from the OTEL_EXPORTER_OTLP_* variables itself).
   */
  static async start(
    settings: NonNullable<Config['tracing']>,
    options: { serviceVersion: string; exporter?: SpanExporter },
  ): Promise<Tracing> {
    const api = await import('@opentelemetry/api');
    const sdk = await import('@opentelemetry/sdk-trace');
    const { AsyncLocalStorageContextManager } = await import('@opentelemetry/context-async-hooks');
    const { W3CTraceContextPropagator } = await import('@opentelemetry/core');
    const resources = await import('@opentelemetry/resources');
    const exporter =
      options.exporter ??
      new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter({
        url: settings.endpoint,
      });
    // OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME, read by the SDK's own detector, win.
    const resource = resources
      .resourceFromAttributes({
        'service.name': settings.serviceName,
        'service.version': options.serviceVersion,
      })
      .merge(resources.detectResources({ detectors: [resources.envDetector] }));
    const provider = new sdk.TracerProvider({
      resource,
      sampler: await sampler(settings),
      spanProcessors: [new sdk.BatchSpanProcessor({ exporter })],
    });
    // Spans find their parent through the async context (a query deep in a repository is a
    // child of its procedure's span without anything passed down).
    api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    return new Tracing(
      api,
      provider.getTracer('auth-service', options.serviceVersion),
      provider,
      new W3CTraceContextPropagator(),
    );
  }

  /** Runs `work` in a child span of the current one; an error marks the span (its type only). */
  span<T>(name: string, attributes: SpanAttributes, work: () => Promise<T>): Promise<T> {
    return this.tracer.startActiveSpan(name, { attributes }, async (span) => {
      try {
        return await work();
      } catch (error) {
        this.failed(span, error);
        throw error;
      } finally {
        span.end();
      }
    });
  }

  /** Adds attributes to the span under way (a hash's queue wait, known once it has run). */
  annotate(attributes: SpanAttributes): void {
    this.api.trace.getActiveSpan()?.setAttributes(attributes);
  }

  /**
   * The edge step: a server span around the rest of the request, the child of the caller's
   * `traceparent` when there is one. Named after the route once dispatch has found it.
   */
  requestStep(): Middleware {
    const { api, tracer } = this;
    return (ctx, next) => {
      const parent = this.propagator.extract(api.ROOT_CONTEXT, ctx.headers, headerGetter);
      const span = tracer.startSpan(
        ctx.method,
        { kind: api.SpanKind.SERVER, attributes: { 'http.request.method': ctx.method } },
        parent,
      );
      return api.context.with(api.trace.setSpan(parent, span), async () => {
        try {
          await next();
        } finally {
          const route = ctx.state.route;
          const status = ctx.respond === false ? ctx.res.statusCode : ctx.status;
          const operation = route?.operation ?? route?.wire ?? 'unmatched';
          span.updateName(`${ctx.method} ${operation}`);
          span.setAttributes({
            'http.response.status_code': status,
            'auth.wire': route?.wire ?? 'none',
            'auth.operation': operation,
          });
          if (status >= 500) span.setStatus({ code: api.SpanStatusCode.ERROR });
          span.end();
        }
      });
    };
  }

  /** A span for every PostgreSQL query, from Sequelize's query hooks; returns their removal. */
  traceQueries(sequelize: Sequelize): () => void {
    const { api, tracer, querySpans } = this;
    sequelize.addHook('beforeQuery', HOOK, (options: { type?: string }, query: object) => {
      const operation = options.type ?? 'QUERY';
      querySpans.set(
        query,
        tracer.startSpan(`db ${operation}`, {
          kind: api.SpanKind.CLIENT,
          attributes: { 'db.system.name': 'postgresql', 'db.operation.name': operation },
        }),
      );
    });
    sequelize.addHook('afterQuery', HOOK, (_options: unknown, query: object) => {
      querySpans.get(query)?.end();
      querySpans.delete(query);
    });
    return () => {
      sequelize.removeHook('beforeQuery', HOOK);
      sequelize.removeHook('afterQuery', HOOK);
    };
  }

  private failed(span: Span, error: unknown) {
    const type = error instanceof Error ? error.name : 'Error';
    span.setAttribute('error.type', type);
    span.setStatus({ code: this.api.SpanStatusCode.ERROR });
  }

  /** Sends what is buffered and stops; the context manager is released for a later start. */
  async shutdown(): Promise<void> {
    await this.provider.forceFlush();
    await this.provider.shutdown();
    this.api.context.disable();
  }
}
