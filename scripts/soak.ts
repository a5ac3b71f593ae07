/**
 * `npm run soak -- --minutes N`: the resilience suite's mixed load for N minutes (default 30)
 * against a service of its own (its own database and redis-server), printing requests, errors,
 * p50/p99, RSS and event-loop responsiveness per minute. Needs PostgreSQL on 127.0.0.1:5432
 * and redis-server on the PATH. Exits 1 if any request failed.
 */
import { Command } from 'commander';
import { runSoak, soakTable } from '../test/resilience/soak.js';

const options = new Command()
  .option('--minutes <n>', 'how long to run', '30')
  .parse(process.argv)
  .opts<{ minutes: string }>();
const minutes = Number(options.minutes);
if (!Number.isInteger(minutes) || minutes < 1) {
  console.error('--minutes must be a whole number of minutes, at least 1');
  process.exit(2);
}
console.log(`soak: ${minutes} min of mixed load`);
const table = await runSoak(minutes);
console.log(soakTable(table));
process.exit(table.some((row) => row.errors > 0) ? 1 : 0);
