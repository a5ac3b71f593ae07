import { expect } from 'chai';
import { AggregatorRegistry, Counter, Histogram, Registry } from 'prom-client';
import { BoundCounter, BoundHistogram } from '../../server/observability/bound-series.js';

const BUCKETS = [0.001, 0.01, 0.1, 1];
// Below the lowest bound, on a bound (le is inclusive), between bounds, above the highest.
const DURATIONS = [0, 0.0005, 0.001, 0.004, 0.01, 0.02, 0.1, 0.5, 1, 7.5];
const ROUTES = [
  { wire: 'rest', operation: 'profile.get' },
  { wire: 'trpc', operation: 'auth.login' },
];

function counters() {
  const options = { name: 'demo_requests_total', help: 'Demo.', labelNames: ['wire', 'operation'] };
  const plainRegistry = new Registry();
  const boundRegistry = new Registry();
  const plain = new Counter({ ...options, registers: [plainRegistry] });
  const bound = new BoundCounter({ ...options, registers: [boundRegistry] });
  return { plainRegistry, boundRegistry, plain, bound };
}

function histograms() {
  const options = {
    name: 'demo_duration_seconds',
    help: 'Demo.',
    labelNames: ['wire', 'operation'],
    buckets: BUCKETS,
  };
  const plainRegistry = new Registry();
  const boundRegistry = new Registry();
  const plain = new Histogram({ ...options, registers: [plainRegistry] });
  const bound = new BoundHistogram({ ...options, registers: [boundRegistry] });
  return { plainRegistry, boundRegistry, plain, bound };
}

/** prom-client writes an empty exemplar into each value of its own; no exporter reads it. */
function withoutExemplars(metrics: Awaited<ReturnType<Registry['getMetricsAsJSON']>>) {
  return metrics.map(({ values, ...metric }) => ({
    ...metric,
    values: values.map((value) => {
      const { exemplar: _exemplar, ...rest } = value as typeof value & { exemplar?: unknown };
      return rest;
    }),
  }));
}

describe('metrics series bound once for the hot path', () => {
  it('a bound counter exposes what prom-client counts for the same increments', async () => {
    const { plainRegistry, boundRegistry, plain, bound } = counters();
    for (const [index, labels] of ROUTES.entries()) {
      const series = bound.series(labels);
      for (let count = 0; count < 3 + index * 4; count += 1) {
        series.inc();
        plain.inc(labels);
      }
    }
    expect(await boundRegistry.metrics()).to.equal(await plainRegistry.metrics());

    // Counts between two scrapes add to what the first scrape saw.
    bound.series(ROUTES[0]!).inc();
    plain.inc(ROUTES[0]!);
    expect(await boundRegistry.metrics()).to.equal(await plainRegistry.metrics());
  });

  it('a bound counter series is exposed at 0 before its first count', async () => {
    const { boundRegistry, bound } = counters();
    bound.series({ wire: 'rest', operation: 'auth.logout' });
    expect(await boundRegistry.metrics()).to.include(
      'demo_requests_total{wire="rest",operation="auth.logout"} 0',
    );
  });

  it('a bound histogram exposes what prom-client observes, as text and as JSON', async () => {
    const { plainRegistry, boundRegistry, plain, bound } = histograms();
    for (const labels of ROUTES) {
      const series = bound.series(labels);
      for (const seconds of DURATIONS) {
        series.observe(seconds);
        plain.observe(labels, seconds);
      }
    }
    expect(await boundRegistry.metrics()).to.equal(await plainRegistry.metrics());
    expect(withoutExemplars(await boundRegistry.getMetricsAsJSON())).to.deep.equal(
      withoutExemplars(await plainRegistry.getMetricsAsJSON()),
    );
  });

  it('a bound histogram series is not exposed before its first observation', async () => {
    const { boundRegistry, bound } = histograms();
    bound.series(ROUTES[0]!);
    expect(await boundRegistry.metrics()).not.to.include('demo_duration_seconds_count');
  });

  it("sums across a cluster's workers as prom-client's own histograms do", async () => {
    const workers = [histograms(), histograms()];
    for (const [index, worker] of workers.entries()) {
      const series = worker.bound.series(ROUTES[index % ROUTES.length]!);
      for (const seconds of DURATIONS.slice(index)) {
        series.observe(seconds);
        worker.plain.observe(ROUTES[index % ROUTES.length]!, seconds);
      }
    }
    const aggregate = async (registries: Registry[]) =>
      AggregatorRegistry.aggregate(
        await Promise.all(registries.map((registry) => registry.getMetricsAsJSON())),
      ).metrics();
    expect(await aggregate(workers.map((worker) => worker.boundRegistry))).to.equal(
      await aggregate(workers.map((worker) => worker.plainRegistry)),
    );
  });

  it('refuses a label the metric does not declare, when the series is bound', () => {
    const { bound } = histograms();
    expect(() => bound.series({ route: '/api/auth/profile/' } as never)).to.throw(/label/i);
    expect(() => counters().bound.series({ path: '/x' } as never)).to.throw(/label/i);
  });
});
