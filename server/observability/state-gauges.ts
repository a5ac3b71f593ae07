/**
 * Gauges of the state of something else (the hash queue, readiness, Redis, the database pool,
 * the email outbox), read when Prometheus scrapes rather than kept up to date. Under the
 * cluster, the primary combines the workers' values with each gauge's `aggregator`.
 */
import { Gauge, type Registry } from 'prom-client';

export interface MetricSources {
  /** Hashes waiting for a slot. */
  hashQueueDepth: () => number;
  /** The database pool now; null when it cannot be read. */
  databasePool: () => { inUse: number; waiting: number; size: number } | null;
  /** Whether Redis answers; null when the service runs without Redis. */
  redisUp: (() => boolean) | null;
  /** The email outbox's backlog; null when mail does not go through the outbox. */
  outboxBacklog: (() => Promise<{ pending: number; oldestCreatedAt: Date | null }>) | null;
  /** What GET /health/ready would answer now (PostgreSQL reachable and not draining). */
  ready: () => Promise<boolean>;
  now: () => Date;
}

export function stateGauges(sources: MetricSources, registers: Registry[]): void {
  new Gauge({
    name: 'auth_password_hash_queue_depth',
    help: 'Password hashes waiting for a hashing slot.',
    registers,
    collect() {
      this.set(sources.hashQueueDepth());
    },
  });
  new Gauge({
    name: 'auth_ready',
    help: 'Whether the instance is ready (1) or not (0), as GET /health/ready would answer.',
    registers,
    // Across cluster workers: ready only when every one is.
    aggregator: 'min',
    async collect() {
      // As the probe does: a database that does not answer within 2 s counts as not ready.
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<false>((resolve) => (timer = setTimeout(resolve, 2000, false)));
      const ready = await Promise.race([sources.ready(), late]).finally(() => clearTimeout(timer));
      this.set(ready ? 1 : 0);
    },
  });
  new Gauge({
    name: 'auth_redis_up',
    help: 'Whether Redis is connected and answering (1) or not (0); absent without REDIS_URL.',
    registers: sources.redisUp ? registers : [],
    aggregator: 'min',
    collect() {
      this.set(sources.redisUp?.() ? 1 : 0);
    },
  });
  databasePoolGauges(sources, registers);
  outboxGauges(sources, registers);
}

function databasePoolGauges(sources: MetricSources, registers: Registry[]) {
  const pool = (pick: 'inUse' | 'waiting' | 'size') =>
    function collect(this: Gauge) {
      const now = sources.databasePool();
      if (now) this.set(now[pick]);
    };
  new Gauge({
    name: 'auth_db_pool_connections_in_use',
    help: 'Database connections lent out to queries and transactions.',
    registers,
    collect: pool('inUse'),
  });
  new Gauge({
    name: 'auth_db_pool_waiting_requests',
    help: 'Queries and transactions waiting for a database connection.',
    registers,
    collect: pool('waiting'),
  });
  new Gauge({
    name: 'auth_db_pool_connections',
    help: 'Database connections open (in use and idle).',
    registers,
    collect: pool('size'),
  });
}

function outboxGauges(sources: MetricSources, registers: Registry[]) {
  if (!sources.outboxBacklog) return;
  const backlog = sources.outboxBacklog;
  // Both gauges come from one query per scrape.
  let reading: Promise<{ pending: number; oldestCreatedAt: Date | null }> | null = null;
  const read = () => (reading ??= backlog().finally(() => setImmediate(() => (reading = null))));
  new Gauge({
    name: 'auth_email_outbox_pending',
    help: 'Emails in the outbox not delivered yet (waiting or being sent).',
    registers,
    // Every cluster worker reads the same outbox.
    aggregator: 'max',
    async collect() {
      this.set((await read()).pending);
    },
  });
  new Gauge({
    name: 'auth_email_outbox_oldest_pending_age_seconds',
    help: 'How long the oldest undelivered email has been in the outbox (0 when none).',
    registers,
    // Every cluster worker reads the same outbox.
    aggregator: 'max',
    async collect() {
      const { oldestCreatedAt } = await read();
      const ageMs = oldestCreatedAt ? sources.now().getTime() - oldestCreatedAt.getTime() : 0;
      this.set(Math.max(0, ageMs / 1000));
    },
  });
}
