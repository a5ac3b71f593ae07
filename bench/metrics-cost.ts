/**
 * What counting costs: the authenticated REST read against a service without metrics and one
 * with METRICS_PORT set (scraped every second meanwhile, as a busy Prometheus would). Both run
 * at once and take turns in short slices (off, on, on, off, ...; bench/slices.ts), so a machine
 * that gets busier or quieter during the minute shifts both alike.
 */
import { createServer } from 'node:net';
import type { LoadResult } from './load.js';
import { runLoad, startService, stop, waitForIdle, type Started } from './processes.js';
import type { Row, Target } from './report.js';
import type { RestReadSettings } from './rest-read.js';
import { warmSessions } from './seed.js';
import { mergeSlices, turnOrder } from './slices.js';

export interface MetricsCostSettings extends RestReadSettings {
  rounds: number;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Scrapes GET /metrics every second until stopped; counts the scrapes that answered 200. */
function scrapeEverySecond(port: number) {
  let answered = 0;
  const timer = setInterval(() => {
    fetch(`http://127.0.0.1:${port}/metrics`)
      .then(async (response) => {
        await response.text();
        if (response.ok) answered += 1;
      })
      .catch(() => undefined);
  }, 1000);
  return () => {
    clearInterval(timer);
    return answered;
  };
}

export async function metricsComparison(
  env: Record<string, string>,
  logFile: string,
  tokens: string[],
  settings: MetricsCostSettings & { sliceSeconds: number; idleSamples: number },
  log: (line: string) => void,
): Promise<Row[]> {
  const slices = Math.max(2, Math.round(settings.seconds / settings.sliceSeconds));
  log(
    `metrics off and on, ${settings.rounds} pair(s) of services, ${slices} turns of ` +
      `${settings.sliceSeconds} s each`,
  );
  const results: [LoadResult[], LoadResult[]] = [[], []];
  let scrapes = 0;
  // A fresh pair of processes each round: one process can run a few percent faster or slower
  // than another with the same code (where the JIT and the allocator happened to put things),
  // and only more processes average that out; more turns between the same two do not.
  for (let round = 0; round < settings.rounds; round += 1) {
    const pair: [LoadResult[], LoadResult[]] = [[], []];
    scrapes += await comparePair(env, logFile, tokens, settings, slices, pair);
    const [off, on] = pair.map((loads) => mergeSlices(loads, settings.sliceSeconds));
    log(`  pair ${round + 1}: off ${describe(off!)}, on ${describe(on!)}`);
    results[0].push(...pair[0]);
    results[1].push(...pair[1]);
  }
  return [
    {
      scenario: 'metrics off',
      service: mergeSlices(results[0], settings.sliceSeconds),
      note: 'METRICS_PORT unset',
    },
    {
      scenario: 'metrics on',
      service: mergeSlices(results[1], settings.sliceSeconds),
      note: `${scrapes} scrapes answered`,
    },
  ];
}

function describe(load: LoadResult): string {
  const cpu = load.cpuMicrosPerRequest;
  return `${load.requestsPerSecond.toFixed(0)} req/s` + (cpu ? ` (${cpu.toFixed(0)} µs)` : '');
}

/** One service without and one with metrics, read in turns; their slices go into `results`. */
async function comparePair(
  env: Record<string, string>,
  logFile: string,
  tokens: string[],
  settings: MetricsCostSettings & { sliceSeconds: number; idleSamples: number },
  slices: number,
  results: [LoadResult[], LoadResult[]],
): Promise<number> {
  const metricsPort = await freePort();
  const services: Started[] = [];
  let stopScraping: (() => number) | null = null;
  try {
    services.push(await startService({ ...env, METRICS_PORT: '' }, logFile));
    services.push(await startService({ ...env, METRICS_PORT: String(metricsPort) }, logFile));
    stopScraping = scrapeEverySecond(metricsPort);
    const spec = (target: Started) => ({
      title: 'profile read',
      url: `${target.url}/api/auth/profile/`,
      method: 'GET' as const,
      connections: settings.connections,
      durationSeconds: settings.sliceSeconds,
      expectStatus: 200,
      bearerTokens: tokens,
      serverPid: target.child.pid!,
    });
    for (const target of services) {
      await warmSessions(target.url, tokens);
      if (settings.warmupSeconds) {
        await runLoad({
          ...spec(target),
          title: 'warm-up',
          durationSeconds: settings.warmupSeconds,
        });
      }
    }
    for (const turn of turnOrder(slices)) {
      for (const index of turn) {
        results[index].push(await runLoad(spec(services[index]!)));
        await waitForIdle(services[index]!.child.pid!, settings.idleSamples);
      }
    }
    return stopScraping();
  } finally {
    stopScraping?.();
    for (const target of services) await stop(target);
  }
}

/** The share of the read rate that counting takes: 1 - on / off, over the rounds. */
export function metricsCostTarget(rows: Row[]): Target {
  const mean = (prefix: string) => {
    const found = rows.filter((row) => row.scenario.startsWith(prefix));
    return found.length
      ? found.reduce((sum, row) => sum + row.service.requestsPerSecond, 0) / found.length
      : null;
  };
  const off = mean('metrics off');
  const on = mean('metrics on');
  const cost = off && on !== null ? 1 - on / off : null;
  const cpu = (prefix: string) =>
    rows.find((row) => row.scenario.startsWith(prefix))?.service.cpuMicrosPerRequest;
  const cpuOff = cpu('metrics off');
  const cpuOn = cpu('metrics on');
  const cpuNote =
    cpuOff && cpuOn ? `; CPU per read ${cpuOn.toFixed(0)} vs ${cpuOff.toFixed(0)} µs` : '';
  return {
    name: 'Metrics cost on the authenticated REST read (METRICS_PORT set and scraped, in turns)',
    goal: '<= 5%',
    measured:
      cost === null
        ? 'not run'
        : `${on!.toFixed(0)} req/s with metrics vs ${off!.toFixed(0)} without = ${(cost * 100).toFixed(1)}% fewer${cpuNote}`,
    met: cost === null ? null : cost <= 0.05,
  };
}
