/**
 * The service's Prometheus metrics (prom-client), in a registry of its own per app so tests and
 * tools can build several. Each metric is explained in docs/operations.md. Names follow the
 * Prometheus conventions: the `auth_` prefix, base units (seconds), `_total` on counters.
 *
 * Labels hold fixed words only: a wire (`rest`, `trpc`, `service`), a procedure path
 * (`auth.login`, never a URL with ids in it), a status class, an outcome, a limit or reason
 * name, a transport. Gauges that describe the state of something else (the hash queue, the
 * database pool, Redis, the outbox) are read when Prometheus scrapes, not kept up to date.
 */
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { RouteLabel } from '../http/route-table.js';
import type { LoginOutcome } from '../lib/telemetry.js';
import {
  BoundCounter,
  BoundHistogram,
  type CounterSeries,
  type HistogramSeries,
} from './bound-series.js';
import { stateGauges, type MetricSources } from './state-gauges.js';

export type { MetricSources } from './state-gauges.js';

/** Latencies from a cache hit (well under a millisecond) to a slow request (seconds). */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** A hash takes tens to hundreds of milliseconds; its wait may reach the request timeout. */
const HASH_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const REDIS_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05, 0.25, 1];

type RequestLabel = 'wire' | 'operation' | 'status_class';
/** A route's request series, by status class (index 1 for 1xx to 5 for 5xx). */
type RouteSeries = ({ count: CounterSeries; duration: HistogramSeries } | undefined)[];

/** The labels of requests that matched no route. */
const NO_ROUTE = { wire: 'none', operation: 'unmatched' } as const;

export class Metrics {
  readonly registry = new Registry();
  private readonly requests: BoundCounter<RequestLabel>;
  private readonly requestDuration: BoundHistogram<RequestLabel>;
  /**
   * Keyed by the route's label object, which the route table keeps for the life of the process,
   * so finding a request's series costs no string; by name for a label object not seen before.
   */
  private readonly requestSeries = new WeakMap<RouteLabel | typeof NO_ROUTE, RouteSeries>();
  private readonly requestSeriesByName = new Map<string, RouteSeries>();
  private readonly logins: Counter<'outcome'>;
  private readonly refreshReuses: Counter;
  private readonly rateLimitRefusals: Counter<'limit'>;
  private readonly revocations: Counter<'reason'>;
  private readonly tokenCache: Record<'hit' | 'miss', CounterSeries>;
  private readonly hashWait: Histogram;
  private readonly hashDuration: Histogram;
  private readonly hashRefusals: Counter;
  private readonly redisDuration: BoundHistogram<'command'>;
  private readonly redisSeries = new Map<string, HistogramSeries>();
  private readonly redisFailures: Counter<'command'>;
  private readonly emails: Counter<'transport' | 'outcome'>;

  constructor(sources: MetricSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'auth_' });
    this.requests = new BoundCounter({
      name: 'auth_http_requests_total',
      help: 'Requests answered, by wire (rest, trpc, service), operation (procedure path) and status class.',
      labelNames: ['wire', 'operation', 'status_class'],
      registers,
    });
    this.requestDuration = new BoundHistogram({
      name: 'auth_http_request_duration_seconds',
      help: 'Time from the request reaching the edge to its answer, by wire, operation and status class.',
      labelNames: ['wire', 'operation', 'status_class'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.logins = new Counter({
      name: 'auth_logins_total',
      help: 'Login attempts by outcome (success, wrong_password, unknown_email, inactive, email_not_verified, locked, mfa_required).',
      labelNames: ['outcome'],
      registers,
    });
    this.refreshReuses = new Counter({
      name: 'auth_refresh_reuse_detections_total',
      help: 'Refresh tokens presented again after rotation; each ended its session.',
      registers,
    });
    this.rateLimitRefusals = new Counter({
      name: 'auth_rate_limit_refusals_total',
      help: 'Requests refused with 429, by the limit that refused them.',
      labelNames: ['limit'],
      registers,
    });
    this.revocations = new Counter({
      name: 'auth_session_revocations_total',
      help: 'Sessions ended, by reason.',
      labelNames: ['reason'],
      registers,
    });
    const tokenCache = new BoundCounter({
      name: 'auth_token_cache_lookups_total',
      help: 'Access-token session checks answered by the cache (hit) or by PostgreSQL (miss).',
      labelNames: ['result'],
      registers,
    });
    this.tokenCache = {
      hit: tokenCache.series({ result: 'hit' }),
      miss: tokenCache.series({ result: 'miss' }),
    };
    this.hashWait = new Histogram({
      name: 'auth_password_hash_queue_wait_seconds',
      help: 'Time a password hash waited for a hashing slot.',
      buckets: HASH_BUCKETS,
      registers,
    });
    this.hashDuration = new Histogram({
      name: 'auth_password_hash_duration_seconds',
      help: 'Time a password hash (scrypt) took once it had a slot.',
      buckets: HASH_BUCKETS,
      registers,
    });
    this.hashRefusals = new Counter({
      name: 'auth_password_hash_refusals_total',
      help: 'Password hashes refused (503) because the queue was full.',
      registers,
    });
    stateGauges(sources, registers);
    this.redisDuration = new BoundHistogram({
      name: 'auth_redis_command_duration_seconds',
      help: 'Time of each Redis command of the cache, by command.',
      labelNames: ['command'],
      buckets: REDIS_BUCKETS,
      registers,
    });
    this.redisFailures = new Counter({
      name: 'auth_redis_command_failures_total',
      help: 'Redis commands of the cache that failed or timed out, by command.',
      labelNames: ['command'],
      registers,
    });
    this.emails = new Counter({
      name: 'auth_emails_total',
      help: 'Email delivery attempts by transport and outcome (sent, failed).',
      labelNames: ['transport', 'outcome'],
      registers,
    });
  }

  /** A request's answer, on the route it took (none when it matched no route). */
  request(route: RouteLabel | undefined, status: number, seconds: number): void {
    const label = route ?? NO_ROUTE;
    const statusClass = Math.min(Math.max(Math.floor(status / 100), 1), 5);
    const byStatus = this.requestSeries.get(label) ?? this.routeSeries(label);
    let series = byStatus[statusClass];
    if (!series) {
      const labels = {
        wire: label.wire,
        operation: label.operation ?? label.wire,
        status_class: `${statusClass}xx`,
      };
      series = {
        count: this.requests.series(labels),
        duration: this.requestDuration.series(labels),
      };
      byStatus[statusClass] = series;
    }
    series.count.inc();
    series.duration.observe(seconds);
  }

  /** First sight of a label object: the same route's series, whichever object names it. */
  private routeSeries(label: RouteLabel | typeof NO_ROUTE): RouteSeries {
    const name = `${label.wire} ${label.operation}`;
    let byStatus = this.requestSeriesByName.get(name);
    if (!byStatus) this.requestSeriesByName.set(name, (byStatus = []));
    this.requestSeries.set(label, byStatus);
    return byStatus;
  }

  login(outcome: LoginOutcome): void {
    this.logins.inc({ outcome });
  }

  refreshReuse(): void {
    this.refreshReuses.inc();
  }

  rateLimitRefused(limit: string): void {
    this.rateLimitRefusals.inc({ limit });
  }

  sessionsRevoked(reason: string, count: number): void {
    this.revocations.inc({ reason }, count);
  }

  tokenCacheLookup(result: 'hit' | 'miss'): void {
    this.tokenCache[result].inc();
  }

  passwordHashed(waitSeconds: number, hashSeconds: number): void {
    this.hashWait.observe(waitSeconds);
    this.hashDuration.observe(hashSeconds);
  }

  passwordHashRefused(): void {
    this.hashRefusals.inc();
  }

  redisCommand(command: string, seconds: number, failed: boolean): void {
    let series = this.redisSeries.get(command);
    if (!series) this.redisSeries.set(command, (series = this.redisDuration.series({ command })));
    series.observe(seconds);
    if (failed) this.redisFailures.inc({ command });
  }

  emailDelivered(transport: string, outcome: 'sent' | 'failed'): void {
    this.emails.inc({ transport, outcome });
  }

  /** The Prometheus text exposition of every metric. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
