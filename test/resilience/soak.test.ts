/**
 * The soak in the suite: SOAK_MINUTES (default 2) of the mixed load; no errors, memory that does
 * not keep growing after the first minute, latency that does not drift. `npm run soak` runs it
 * longer and prints the same table.
 */
import { expect } from 'chai';
import { record } from './figures.js';
import { runSoak, soakTable } from './soak.js';

const MINUTES = Number(process.env.SOAK_MINUTES ?? 2);

describe('resilience: soak', function () {
  this.timeout(MINUTES * 60_000 + 180_000);

  it(`serves ${MINUTES} minutes of mixed load without an error, memory and latency bounded`, async () => {
    const table = await runSoak(MINUTES);
    console.log(`\n${soakTable(table)}\n`);
    const first = table[0]!;
    const last = table[table.length - 1]!;
    record({
      scenario: `soak ${MINUTES} min`,
      requests: table.reduce((sum, row) => sum + row.requests, 0),
      byStatus: { errors: table.reduce((sum, row) => sum + row.errors, 0) },
      longestMs: Math.max(...table.map((row) => row.p99Ms)),
      notes: `longest = worst minute's p99; RSS ${first.rssMb} → ${last.rssMb} MB; p99 ${first.p99Ms} → ${last.p99Ms} ms`,
    });
    expect(table.map((row) => row.errors)).to.deep.equal(table.map(() => 0));
    // After the first minute (warm-up: JIT, pools, caches) memory holds: a leak would climb.
    expect(last.rssMb, 'RSS in the last minute (MB)').to.be.below(first.rssMb * 1.2 + 32);
    expect(last.p99Ms, 'p99 in the last minute (ms)').to.be.below(first.p99Ms * 3 + 200);
  });
});
