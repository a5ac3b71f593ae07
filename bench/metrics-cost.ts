/**
 * What counting costs: the authenticated REST read against a service without metrics and one
 * with METRICS_PORT set (scraped every second meanwhile, as a busy Prometheus would), measured
 * in turn (off, on, on, off) so a machine that gets busier or quieter shifts both alike.
 */
import { createServer } from 'node:net';
import { startService, stop, type Started } from './processes.js';
import type { Row, Target } from './report.js';
import { measureRestRead, type RestReadSettings } from './rest-read.js';

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
  settings: MetricsCostSettings,
  log: (line: string) => void,
): Promise<Row[]> {
  const rows: Row[] = [];
  const measure = async (scenario: string, metricsPort: number | null) => {
    log(scenario);
    const target: Started = await startService(
      { ...env, METRICS_PORT: metricsPort === null ? '' : String(metricsPort) },
      logFile,
    );
    const stopScraping = metricsPort === null ? null : scrapeEverySecond(metricsPort);
    try {
      const result = await measureRestRead(target, scenario, tokens, settings);
      const scrapes = stopScraping?.();
      rows.push({
        scenario,
        service: result,
        note: scrapes === undefined ? 'METRICS_PORT unset' : `${scrapes} scrapes answered`,
      });
    } finally {
      stopScraping?.();
      await stop(target);
    }
  };
  // Off then on, then on then off: neither always runs first (after the previous service's
  // exit, into a machine that is still settling).
  for (let round = 1; round <= settings.rounds; round += 1) {
    const off = () => measure(`metrics off, round ${round}`, null);
    const on = async () => measure(`metrics on, round ${round}`, await freePort());
    if (round % 2) await off().then(on);
    else await on().then(off);
  }
  return rows;
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
  return {
    name: 'Metrics cost on the authenticated REST read (METRICS_PORT set and scraped, in turn)',
    goal: '<= 5%',
    measured:
      cost === null
        ? 'not run'
        : `${on!.toFixed(0)} req/s with metrics vs ${off!.toFixed(0)} without = ${(cost * 100).toFixed(1)}% fewer`,
    met: cost === null ? null : cost <= 0.05,
  };
}
