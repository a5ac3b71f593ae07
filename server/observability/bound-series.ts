/**
 * prom-client metrics for the authenticated hot path, where a label set is bound once and then
 * counted with plain arithmetic. prom-client's own inc() and observe() check the labels, hash
 * them into a string and look the series up on every call, and allocate while doing it; on the
 * authenticated read that was most of what metrics cost (docs/performance.md, What metrics
 * cost). Bound series hand their numbers to prom-client when the registry reads them, so the
 * exposition, OpenMetrics and the cluster's aggregation stay prom-client's, and the usual
 * inc() and observe() keep working beside them (for a label set not also bound).
 */
import {
  Counter,
  Histogram,
  type HistogramConfiguration,
  type LabelValues,
  type MetricValue,
} from 'prom-client';

export interface CounterSeries {
  inc(): void;
}

export interface HistogramSeries {
  observe(value: number): void;
}

/** A counter whose bound series add up in a plain number until the registry reads them. */
export class BoundCounter<L extends string> extends Counter<L> {
  private readonly bound: { labels: LabelValues<L>; pending: number }[] = [];

  /** Checks the labels now; the series is exposed from now on, at 0 until counted. */
  series(labels: LabelValues<L>): CounterSeries {
    this.inc(labels, 0);
    const series = {
      labels,
      pending: 0,
      inc() {
        series.pending += 1;
      },
    };
    this.bound.push(series);
    return series;
  }

  override get() {
    for (const series of this.bound) {
      if (series.pending === 0) continue;
      this.inc(series.labels, series.pending);
      series.pending = 0;
    }
    return super.get();
  }
}

type ValueForExposition = MetricValue<string> & {
  metricName: string;
  sharedLabels?: LabelValues<string>;
};

declare module 'prom-client' {
  // Not in prom-client's types: the registry reads a histogram's text exposition through this
  // method, and get() (JSON, the cluster's path) calls it too. test/unit/bound-series.test.ts
  // holds both paths to prom-client's own output, so a release that changes it fails there.
  // eslint-disable-next-line @typescript-eslint/no-unused-vars -- merging needs the class's own parameter
  interface Histogram<T extends string> {
    getForPromString(): Promise<{ values: ValueForExposition[] }>;
  }
}

class BoundHistogramSeries<L extends string> implements HistogramSeries {
  /** Observations per bucket, not cumulative; the last slot is above the highest bound. */
  private readonly counts: Float64Array;
  private sum = 0;
  private count = 0;

  constructor(
    readonly labels: LabelValues<L>,
    private readonly upperBounds: readonly number[],
  ) {
    this.counts = new Float64Array(upperBounds.length + 1);
  }

  observe(value: number): void {
    const { upperBounds } = this;
    let bucket = 0;
    while (bucket < upperBounds.length && value > upperBounds[bucket]!) bucket += 1;
    this.counts[bucket]! += 1;
    this.sum += value;
    this.count += 1;
  }

  /** In prom-client's shape: cumulative buckets, +Inf, sum and count, labels shared. */
  exposition(name: string): ValueForExposition[] {
    if (this.count === 0) return [];
    const sharedLabels = this.labels as LabelValues<string>;
    const values: ValueForExposition[] = [];
    let cumulative = 0;
    this.upperBounds.forEach((upperBound, bucket) => {
      cumulative += this.counts[bucket]!;
      values.push({
        labels: { le: upperBound },
        sharedLabels,
        value: cumulative,
        metricName: `${name}_bucket`,
      });
    });
    values.push(
      { labels: { le: '+Inf' }, sharedLabels, value: this.count, metricName: `${name}_bucket` },
      { labels: {}, sharedLabels, value: this.sum, metricName: `${name}_sum` },
      { labels: {}, sharedLabels, value: this.count, metricName: `${name}_count` },
    );
    return values;
  }
}

/** A histogram whose bound series keep their buckets in a plain array. */
export class BoundHistogram<L extends string> extends Histogram<L> {
  private readonly bound: BoundHistogramSeries<L>[] = [];
  // Named apart from prom-client's own fields, which are not part of its interface.
  private readonly seriesName: string;
  private readonly seriesBounds: readonly number[];

  constructor(configuration: HistogramConfiguration<L> & { buckets: readonly number[] }) {
    super({ ...configuration, buckets: [...configuration.buckets] });
    this.seriesName = configuration.name;
    this.seriesBounds = configuration.buckets;
  }

  /** Checks the labels now; the series is exposed once it has an observation. */
  series(labels: LabelValues<L>): HistogramSeries {
    this.labels(labels);
    const series = new BoundHistogramSeries(labels, this.seriesBounds);
    this.bound.push(series);
    return series;
  }

  override async getForPromString() {
    const data = await super.getForPromString();
    for (const series of this.bound) data.values.push(...series.exposition(this.seriesName));
    return data;
  }
}
