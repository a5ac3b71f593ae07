/**
 * What a scenario measured, kept for the table the suite prints at its end: requests sent,
 * answers by status, the longest answer and the recovery time.
 */
import type { Answer } from './load-generator.js';

export interface Figures {
  scenario: string;
  requests: number;
  byStatus: Record<string, number>;
  longestMs: number;
  recoveryMs?: number;
  notes?: string;
}

const rows: Figures[] = [];

export function summarize(
  scenario: string,
  answers: readonly Answer[],
  extra: Partial<Figures> = {},
) {
  const byStatus: Record<string, number> = {};
  let longestMs = 0;
  for (const answer of answers) {
    byStatus[answer.status] = (byStatus[answer.status] ?? 0) + 1;
    longestMs = Math.max(longestMs, answer.ms);
  }
  const figures: Figures = { scenario, requests: answers.length, byStatus, longestMs, ...extra };
  rows.push(figures);
  return figures;
}

export function record(figures: Figures) {
  rows.push(figures);
}

export function printFigures() {
  if (!rows.length) return;
  const lines = ['', 'resilience figures', ''];
  lines.push('| scenario | requests | answers by status | longest answer | recovery | notes |');
  lines.push('|---|---:|---|---:|---:|---|');
  for (const row of rows) {
    const statuses = Object.entries(row.byStatus)
      .map(([status, count]) => `${status === '0' ? 'no answer' : status}: ${count}`)
      .join(', ');
    const recovery = row.recoveryMs === undefined ? '' : `${row.recoveryMs} ms`;
    lines.push(
      `| ${row.scenario} | ${row.requests} | ${statuses} | ${row.longestMs} ms | ${recovery} | ${row.notes ?? ''} |`,
    );
  }
  console.log(lines.join('\n'));
}

/** Answers sent between `from` and `to` (epoch ms) whose operation is one of `ops`. */
export function within(answers: readonly Answer[], from: number, to: number, ops?: string[]) {
  return answers.filter((a) => a.t >= from && a.t < to && (!ops || ops.includes(a.op)));
}

/** Counts by status of some answers, e.g. `{ 200: 31, 503: 2 }`. */
export function statuses(answers: readonly Answer[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const answer of answers) counts[answer.status] = (counts[answer.status] ?? 0) + 1;
  return counts;
}
