/**
 * `npm run routes`: every operation of the router, one line each, read from the procedures
 * themselves (server/trpc/operations.ts): the REST method(s) and path, the tRPC procedure, the
 * guard, the rate limits it counts against and whether it checks or sets a password. The
 * route table is the spec; this prints it. Needs no database, Redis or configuration.
 */
import { pathToFileURL } from 'node:url';
import { REST_PREFIX } from '../server/http/routes.js';
import { routerShape } from '../server/routers/_app.js';
import { operationsOf, type Operation } from '../server/trpc/operations.js';

const HEADINGS = ['REST', 'PATH', 'PROCEDURE', 'GUARD', 'RATE LIMITS', 'PASSWORD'] as const;

function row(operation: Operation): string[] {
  const { rest, limits } = operation;
  const counted = limits
    ? [`${limits.perIp} per IP`, ...(limits.perAccount ? [`${limits.perAccount} per account`] : [])]
    : [];
  return [
    rest ? rest.methods.join(',') : '-',
    rest ? `${REST_PREFIX}${rest.path}` : '(tRPC only)',
    operation.path,
    operation.guard,
    counted.join(', ') || '-',
    limits?.password ?? '-',
  ];
}

/** The operations as an aligned table, REST path order (tRPC-only operations last). */
export function routeTable(operations: readonly Operation[]): string {
  const rows = operations
    .map(row)
    .sort((a, b) => (a[1]! > b[1]! ? 1 : a[1]! < b[1]! ? -1 : a[0]!.localeCompare(b[0]!)));
  const table = [[...HEADINGS], ...rows];
  const widths = HEADINGS.map((_, column) =>
    Math.max(...table.map((cells) => cells[column]!.length)),
  );
  return table
    .map((cells) =>
      cells
        .map((cell, column) => cell.padEnd(widths[column]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(`${routeTable(operationsOf(routerShape))}\n`);
}
