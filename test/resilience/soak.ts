/**
 * The soak: the mixed load for N minutes against one service, with its resident memory (from
 * /proc) and its responsiveness (the round trip of GET /health/live, which does no I/O, so its
 * delay is the event loop's) sampled all along. Reports per minute: requests, errors, p50/p99,
 * RSS and the probe's p99.
 */
import type { Answer } from './load-generator.js';
import { startScenario } from './scenario.js';
import { sleep } from './timing.js';

export interface SoakMinute {
  minute: number;
  requests: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
  rssMb: number;
  lagP99Ms: number;
}

const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]! : 0;

/** An answer the load does not expect: no answer, a 5xx, or a refusal other than the revoked read's 401. */
export const isError = (answer: Answer) =>
  answer.status === 0 ||
  answer.status >= 500 ||
  (answer.status >= 400 && !(answer.op === 'revoked-read' && answer.status === 401));

export async function runSoak(minutes: number): Promise<SoakMinute[]> {
  const scenario = await startScenario('soak');
  try {
    const started = Date.now();
    const durationMs = minutes * 60_000;
    const samples: Array<{ t: number; rssMb: number; lagMs: number }> = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const t = Date.now();
        try {
          const response = await fetch(`${scenario.service.baseUrl}/health/live`, {
            signal: AbortSignal.timeout(5000),
          });
          await response.arrayBuffer();
        } catch {
          // a probe without an answer counts at its timeout
        }
        samples.push({ t, rssMb: scenario.residentMb(), lagMs: Date.now() - t });
        await sleep(1000);
      }
    })();
    const { answers } = await scenario.load(durationMs);
    sampling = false;
    await sampler;
    const table: SoakMinute[] = [];
    for (let minute = 0; minute < minutes; minute += 1) {
      const from = started + minute * 60_000;
      const to = from + 60_000;
      const inMinute = answers.filter((a) => a.t >= from && a.t < to);
      const times = inMinute.map((a) => a.ms).sort((a, b) => a - b);
      const sampled = samples.filter((s) => s.t >= from && s.t < to);
      const lags = sampled.map((s) => s.lagMs).sort((a, b) => a - b);
      table.push({
        minute: minute + 1,
        requests: inMinute.length,
        errors: inMinute.filter(isError).length,
        p50Ms: percentile(times, 50),
        p99Ms: percentile(times, 99),
        rssMb: Math.max(0, ...sampled.map((s) => s.rssMb)),
        lagP99Ms: percentile(lags, 99),
      });
    }
    return table;
  } finally {
    await scenario.close();
  }
}

export function soakTable(table: readonly SoakMinute[]): string {
  const lines = [
    '| minute | requests | errors | p50 | p99 | RSS | /health/live p99 |',
    '|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const row of table) {
    lines.push(
      `| ${row.minute} | ${row.requests} | ${row.errors} | ${row.p50Ms} ms | ${row.p99Ms} ms | ${row.rssMb} MB | ${row.lagP99Ms} ms |`,
    );
  }
  return lines.join('\n');
}
