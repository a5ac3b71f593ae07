/**
 * The benchmark's output: one table per run (service beside the floor server, same load), the
 * targets with a verdict each, and a results file with the date, settings and versions.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadResult } from './load.js';
import { root } from './processes.js';

export interface Row {
  scenario: string;
  service: LoadResult;
  floor?: LoadResult;
  /** Extra words for the last column (e.g. login/s over the raw scrypt rate). */
  note?: string;
  /** For hashing scenarios: the raw scrypt rate measured around the load. */
  rawScryptRate?: number;
}

export interface RunReport {
  run: number;
  rows: Row[];
  serviceRssMb: number | null;
}

export interface Target {
  name: string;
  goal: string;
  measured: string;
  met: boolean | null;
}

const number = (value: number, digits = 0) =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const cpu = (result: LoadResult) =>
  result.cpuMicrosPerRequest === undefined || !Number.isFinite(result.cpuMicrosPerRequest)
    ? '-'
    : number(result.cpuMicrosPerRequest);
const ms = (value: number) => (value >= 100 ? number(value) : number(value, 1));

function pad(cells: string[], widths: number[]) {
  return cells
    .map((cell, index) => (index === 0 ? cell.padEnd(widths[0]!) : cell.padStart(widths[index]!)))
    .join('  ');
}

export function formatTable(rows: Row[]): string {
  const header = [
    'scenario',
    'service req/s',
    'p50 ms',
    'p99 ms',
    'errors',
    'CPU µs/req',
    'floor req/s',
    'p50 ms',
    'p99 ms',
    'errors',
    'CPU µs/req',
    'service/floor',
  ];
  const lines = rows.map((row) => {
    const { service, floor } = row;
    const ratio =
      floor && floor.requestsPerSecond > 0
        ? service.requestsPerSecond / floor.requestsPerSecond
        : null;
    return [
      row.scenario,
      number(service.requestsPerSecond, service.requestsPerSecond < 100 ? 1 : 0),
      ms(service.p50),
      ms(service.p99),
      number(service.errors),
      cpu(service),
      floor ? number(floor.requestsPerSecond, floor.requestsPerSecond < 100 ? 1 : 0) : '-',
      floor ? ms(floor.p50) : '-',
      floor ? ms(floor.p99) : '-',
      floor ? number(floor.errors) : '-',
      floor ? cpu(floor) : '-',
      [ratio === null ? '' : `${number(ratio * 100)}%`, row.note ?? ''].filter(Boolean).join('  '),
    ];
  });
  const widths = header.map((_, column) =>
    Math.max(...[header, ...lines].map((cells) => cells[column]!.length)),
  );
  return [
    pad(header, widths),
    widths.map((width) => '-'.repeat(width)).join('  '),
    ...lines.map((cells) => pad(cells, widths)),
  ].join('\n');
}

export function formatTargets(targets: Target[]): string {
  const verdict = (met: boolean | null) => (met === null ? 'n/a ' : met ? 'MET ' : 'MISS');
  return targets
    .map(
      (target) =>
        `${verdict(target.met)}  ${target.name}: ${target.measured} (goal: ${target.goal})`,
    )
    .join('\n');
}

/** Writes the JSON (everything) and the text (what was printed) under bench-results/. */
export function writeResults(stamp: string, data: object, text: string): string {
  const directory = join(root, 'bench-results');
  mkdirSync(directory, { recursive: true });
  const base = join(directory, `bench-${stamp}`);
  writeFileSync(`${base}.json`, `${JSON.stringify(data, null, 2)}\n`);
  writeFileSync(`${base}.txt`, `${text}\n`);
  return `bench-results/bench-${stamp}.txt`;
}
