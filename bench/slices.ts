/**
 * One measurement made of several short slices, for comparing two servers on a machine whose
 * speed drifts: the service and the floor take turns (service, floor, floor, service, ...), so
 * a machine that gets faster or slower over the minute shifts both alike instead of whichever
 * ran second. The slices' counts add up to the figures of the whole.
 */
import type { LoadResult } from './load.js';

/** The order of `slices` turns for two targets: ABBA ABBA..., so neither always goes first. */
export function turnOrder(slices: number): Array<[first: 0 | 1, second: 0 | 1]> {
  return Array.from({ length: slices }, (_, index) => (index % 2 ? [1, 0] : [0, 1]));
}

/** The slices of one target's load as one result: counts summed, time-weighted shares. */
export function mergeSlices(slices: LoadResult[], sliceSeconds: number): LoadResult {
  const [first] = slices;
  if (!first) throw new Error('no slices to merge');
  if (slices.length === 1) return first;
  const ok = slices.reduce((sum, slice) => sum + slice.ok, 0);
  const statusCodes: Record<string, number> = {};
  for (const slice of slices) {
    for (const [status, count] of Object.entries(slice.statusCodes)) {
      statusCodes[status] = (statusCodes[status] ?? 0) + count;
    }
  }
  const weighted = (pick: (slice: LoadResult) => number | undefined, by: 'time' | 'requests') => {
    let sum = 0;
    let weight = 0;
    for (const slice of slices) {
      const value = pick(slice);
      if (value === undefined) return undefined;
      const w = by === 'time' ? sliceSeconds : slice.ok;
      sum += value * w;
      weight += w;
    }
    return weight ? sum / weight : undefined;
  };
  const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
  const p50s = sorted(slices.map((slice) => slice.p50));
  return {
    ...first,
    ok,
    requestsPerSecond: ok / (sliceSeconds * slices.length),
    // Latency percentiles do not add up: the middle slice's median, the worst slice's p99.
    p50: p50s[Math.floor(p50s.length / 2)]!,
    p99: Math.max(...slices.map((slice) => slice.p99)),
    errors: slices.reduce((sum, slice) => sum + slice.errors, 0),
    statusCodes,
    unavailableWithoutRetryAfter: slices.reduce(
      (sum, slice) => sum + slice.unavailableWithoutRetryAfter,
      0,
    ),
    cpuMicrosPerRequest: weighted((slice) => slice.cpuMicrosPerRequest, 'requests'),
    serverCores: weighted((slice) => slice.serverCores, 'time'),
    hostBusy: weighted((slice) => slice.hostBusy, 'time'),
  };
}
