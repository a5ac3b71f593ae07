/**
 * `npx tsx bench/counting-cost.ts`: the CPU that counting adds to one authenticated read,
 * measured in process (no network, no other load), beside what the same awaits cost without
 * it. The service-level comparison (`npm run bench`, metrics off and on) is the end-to-end
 * figure; on a busy shared machine its noise is larger than the effect, and this is the bound.
 */
import { Metrics } from '../server/observability/metrics.js';
import { combineTelemetry } from '../server/observability/telemetry.js';

const metrics = new Metrics({
  hashQueueDepth: () => 0,
  databasePool: () => null,
  redisUp: () => true,
  outboxBacklog: null,
  ready: async () => true,
  now: () => new Date(),
});
const telemetry = combineTelemetry(metrics, null);

// What one authenticated REST read reports: the procedure's span wrapper (tracing off), one
// Redis GET with its span wrapper and timing, the token-cache hit, and the request itself.
async function countedRead() {
  await telemetry.span('procedure profile.get', {}, async () => {
    await telemetry.span('redis GET', {}, async () => undefined);
    telemetry.redisCommand('GET', 0.0003, false);
    telemetry.tokenCacheLookup('hit');
  });
  metrics.request('rest', 'profile.get', 200, 0.004);
}

async function uncountedRead() {
  await (async () => {
    await (async () => undefined)();
  })();
}

async function cpuMicrosPerCall(work: () => Promise<void>, calls: number): Promise<number> {
  for (let i = 0; i < calls / 10; i += 1) await work();
  const start = process.cpuUsage();
  for (let i = 0; i < calls; i += 1) await work();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / calls;
}

const calls = 200_000;
const without = await cpuMicrosPerCall(uncountedRead, calls);
const counted = await cpuMicrosPerCall(countedRead, calls);
process.stdout.write(
  `counting adds ${(counted - without).toFixed(2)} µs of CPU per authenticated read ` +
    `(${counted.toFixed(2)} µs with, ${without.toFixed(2)} µs for the same awaits without)\n`,
);
