/**
 * `npx tsx bench/counting-cost.ts [--rounds 12] [--seconds 2]`: the CPU that counting adds to
 * an authenticated read, with everything else equal. Two apps in one process, on the same
 * PostgreSQL and Redis, one built without metrics and one with (METRICS_PORT set; nothing
 * scrapes it); wrk reads the profile from each in turn (off, on, on, off, ...), and the
 * process's CPU is charged to whichever app was being read. In one process the two share the
 * JIT, the heap and the machine's moment, which two service processes (`npm run bench`'s
 * metrics off and on) do not: that comparison also carries process-to-process variation and
 * the scrapes, and is the end-to-end figure.
 *
 * Stores: BENCH_DATABASE_URL and BENCH_REDIS_URL as `npm run bench` takes them (a database
 * named *bench*, a Redis database other than 0; both are emptied first); by default a database
 * and a Redis database of its own, so it can run beside `npm run bench`. Needs wrk.
 */
import type { Server } from 'node:http';
import { parseArgs } from 'node:util';
import { createMigrator } from '../db/migrate.js';
import { createHttpHandler } from '../server/app.js';
import { loadConfig, readEnvironment } from '../server/config/index.js';
import { buildDependencies, type Dependencies } from '../server/deps.js';
import { createHttpServer } from '../server/http/server.js';
import { loginUsers, registerUsers, warmSessions } from './seed.js';
import { benchServiceEnvironment } from './service-environment.js';
import { turnOrder } from './slices.js';
import { resetDatabase, resetRedis } from './stores.js';
import { runWrk } from './wrk.js';

const { values: options } = parseArgs({
  options: {
    rounds: { type: 'string', default: '12' },
    seconds: { type: 'string', default: '2' },
  },
});
const rounds = Number(options.rounds);
const sliceSeconds = Number(options.seconds);
const databaseUrl =
  process.env.BENCH_DATABASE_URL ??
  'postgres://postgres@127.0.0.1:5432/auth_service_bench_counting';
const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/9';

await resetDatabase(databaseUrl);
await resetRedis(redisUrl);
const environment = {
  ...benchServiceEnvironment(databaseUrl, redisUrl),
  // Hashing is not what is measured; the accounts only need to exist.
  SCRYPT_LOG_N: '12',
};

interface App {
  deps: Dependencies;
  server: Server;
  url: string;
}

async function startApp(extra: Record<string, string>): Promise<App> {
  const config = loadConfig(readEnvironment({ ...environment, ...extra }));
  const deps = await buildDependencies(config);
  await createMigrator(deps.database.sequelize, () => undefined).up();
  const server = createHttpServer(createHttpHandler(deps), config.http);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { deps, server, url: `http://127.0.0.1:${port}` };
}

const apps = [await startApp({}), await startApp({ METRICS_PORT: '9' })] as const;
await registerUsers(apps[0].url, 16);
const tokens = (await loginUsers(apps[0].url, 16)).map((session) => session.access);
const read = (app: App, durationSeconds: number) =>
  runWrk({
    url: `${app.url}/api/auth/profile/`,
    connections: 32,
    durationSeconds,
    timeoutSeconds: 10,
    bearerTokens: tokens,
  });

try {
  for (const app of apps) {
    await warmSessions(app.url, tokens);
    await read(app, 3);
  }
  const cpuMicros = [0, 0];
  const requests = [0, 0];
  for (const turn of turnOrder(rounds)) {
    for (const index of turn) {
      const before = process.cpuUsage();
      const result = await read(apps[index], sliceSeconds);
      const used = process.cpuUsage(before);
      if (result.failedStatuses || result.socketErrors) throw new Error('a read failed');
      cpuMicros[index]! += used.user + used.system;
      requests[index]! += result.requests;
    }
  }
  const [off, on] = [0, 1].map((index) => cpuMicros[index]! / requests[index]!) as [number, number];
  process.stdout.write(
    `CPU per authenticated read, ${rounds} turns of ${sliceSeconds} s each: ` +
      `${off.toFixed(1)} µs without metrics, ${on.toFixed(1)} µs with ` +
      `(+${(on - off).toFixed(1)} µs, ${(((on - off) / off) * 100).toFixed(1)}%)\n`,
  );
} finally {
  for (const app of apps) {
    app.server.closeAllConnections();
    app.server.close();
    await app.deps.close();
  }
}
