/**
 * `npm run bench`: builds the service, starts it as production runs it (node dist/server/index.js
 * on the real PostgreSQL and Redis) and, beside it, the floor server (bench/floor-server.ts);
 * drives both with the same loads, one after the other, and prints per scenario requests/s,
 * p50, p99, errors and the service's share of the floor. Not a test: nothing here asserts.
 *
 *   npm run bench                    every scenario once, then the cluster and the 503 check
 *   npm run bench -- --runs 3        three consecutive runs against one service process (memory)
 *   npm run bench -- --smoke         a short version (under a minute) for CI
 *   npm run bench -- --profile       the service under --cpu-prof; prints where its time went
 *   npm run bench -- --no-build --no-cluster --only profile-rest,login --seconds 5
 *   npm run bench -- --no-build --no-cluster --only profile-rest   (and the metrics cost)
 *   npm run bench -- --only haproxy  three instances behind HAProxy against one (read, login)
 *   npm run bench -- --only design-floor   both reads by the design's floor (bench/design-floor.ts:
 *                                    the floor's read in Koa, tRPC, zod, superjson) beside the floor
 *
 * After the scenarios, the REST read is measured again against a service without and one with
 * metrics (METRICS_PORT), in turn, for what counting costs (--no-metrics skips it); then the
 * REST read and login against three instances behind HAProxy and one process, in turn
 * (bench/haproxy.ts; the `haproxy` scenario, skipped in smoke mode and without haproxy).
 *
 * BENCH_DATABASE_URL and BENCH_REDIS_URL choose other stores (a database named *bench*, a Redis
 * database other than 0: both are emptied first).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, readEnvironment } from '../server/config/index.js';
import type { LoadResult, LoadSpec } from './load.js';
import { metricsComparison, metricsCostTarget } from './metrics-cost.js';
import { measureRestRead } from './rest-read.js';
import { haproxyComparison, haproxyTargets, haproxyVersion, INSTANCES } from './haproxy.js';
import { summarizeProfiles } from './profile-summary.js';
import { mergeSlices, turnOrder } from './slices.js';
import { wrkVersion } from './wrk.js';
import {
  measureScrypt,
  residentMegabytes,
  root,
  runCommand,
  runLoad,
  startCluster,
  startDesignFloor,
  startFloor,
  startService,
  stop,
  withStarted,
  stopLoadGenerators,
  waitForIdle,
  type Started,
} from './processes.js';
import {
  formatTable,
  formatTargets,
  writeResults,
  type Row,
  type RunReport,
  type Target,
} from './report.js';
import {
  BENCH_PASSWORD,
  benchEmail,
  loginFloor,
  loginSpec,
  loginUsers,
  overflowCheck,
  registerUsers,
  warmSessions,
  type Session,
} from './seed.js';
import { benchServiceEnvironment } from './service-environment.js';
import { DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL, resetDatabase, resetRedis } from './stores.js';

const FULL = {
  users: 32,
  warmupSeconds: 3,
  read: { connections: 32, seconds: 10 },
  login: { connections: 8, seconds: 15 },
  register: { connections: 8, seconds: 15 },
  refresh: { connections: 16, seconds: 10 },
  /** The reads start `leadSeconds` after the flood, once its queue has filled. */
  flood: { readConnections: 32, loginConnections: 64, seconds: 15, leadSeconds: 1.5 },
  clusterSeconds: 10,
  /** Rounds of single process then cluster (0: the run's own REST figure for the single process). */
  clusterRounds: 2,
  scryptSeconds: 5,
  /** Quiet half-second samples that count as idle between two loads. */
  idleSamples: 2,
  /** Wrong-password logins sent at once to a service with HASH_QUEUE_LIMIT=4. */
  overflowBurst: 24,
  /**
   * Pairs of service and floor processes the two reads are measured on: the run's own, then
   * fresh ones. One pair's share of the floor swings by 15% either way from the next pair's
   * (the machine's speed moves that much from one slice to the next, and processes differ),
   * so the read targets are judged on the mean over the pairs.
   */
  readPairs: 3,
  /** Fresh pairs of services, one without and one with metrics, read in turns (REST read). */
  metricsRounds: 3,
  /** Rounds of one process then three behind HAProxy (0: skipped). */
  haproxyRounds: 2,
};
const SMOKE: typeof FULL = {
  users: 4,
  warmupSeconds: 0,
  read: { connections: 8, seconds: 1 },
  login: { connections: 4, seconds: 2 },
  register: { connections: 4, seconds: 2 },
  refresh: { connections: 4, seconds: 1 },
  flood: { readConnections: 8, loginConnections: 16, seconds: 2, leadSeconds: 1 },
  clusterSeconds: 1,
  clusterRounds: 0,
  scryptSeconds: 1,
  idleSamples: 1,
  overflowBurst: 12,
  readPairs: 1,
  metricsRounds: 1,
  haproxyRounds: 0,
};
/** A read's measurement is cut into turns of this many seconds (bench/slices.ts). */
const SLICE_SECONDS = 2;

/** The reads' rows, by the name each goes by in the tables and the targets. */
const READ_SCENARIOS = {
  rest: 'GET /api/auth/profile/ (REST)',
  trpc: 'profile.get (tRPC)',
} as const;

const SCENARIOS = [
  'profile-rest',
  'profile-trpc',
  'refresh',
  'login',
  'register',
  'flood',
  'design-floor',
  'haproxy',
];

const { values: options } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    runs: { type: 'string', default: '1' },
    profile: { type: 'boolean', default: false },
    build: { type: 'boolean', default: true },
    cluster: { type: 'boolean', default: true },
    metrics: { type: 'boolean', default: true },
    only: { type: 'string' },
    seconds: { type: 'string' },
    'heap-mb': { type: 'string', default: '256' },
  },
  allowNegative: true,
});
const settings = structuredClone(options.smoke ? SMOKE : FULL);
if (options.seconds) {
  // One duration for every load (quick development runs).
  const seconds = Number(options.seconds);
  for (const load of [
    settings.read,
    settings.login,
    settings.register,
    settings.refresh,
    settings.flood,
  ])
    load.seconds = seconds;
  settings.clusterSeconds = seconds;
}
const runs = Math.max(1, Number(options.runs));
const only = new Set(options.only ? options.only.split(',') : SCENARIOS);
const log = (line: string) => process.stdout.write(`${line}\n`);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
const databaseUrl = process.env.BENCH_DATABASE_URL ?? DEFAULT_DATABASE_URL;
const redisUrl = process.env.BENCH_REDIS_URL ?? DEFAULT_REDIS_URL;
// V8 sizes its heap from the machine's memory (4 GB on a large host) and lets garbage pile up
// to that; in the Kubernetes deployment (512 MiB limit) it derives about 256 MB. The service
// runs with that limit here (--heap-mb 0: V8's own choice for this machine), and with the
// young generation production gives it (the Dockerfile's NODE_OPTIONS, npm run start:prod).
const heapMb = Number(options['heap-mb']);
const PRODUCTION_NODE_OPTIONS = '--max-semi-space-size=16';
const nodeOptions = [heapMb ? `--max-old-space-size=${heapMb}` : '', PRODUCTION_NODE_OPTIONS]
  .filter(Boolean)
  .join(' ');
const serviceEnv: Record<string, string> = {
  ...benchServiceEnvironment(databaseUrl, redisUrl),
  NODE_OPTIONS: nodeOptions,
  MIGRATE_ON_START: 'true',
};
// The configuration the service will see (same environment, same .env), for the floor and the report.
const config = loadConfig(readEnvironment({ ...process.env, ...serviceEnv }));
const { scrypt } = config.passwords;
const floorEnv: Record<string, string> = {
  ...serviceEnv,
  BENCH_PASSWORD,
  SCRYPT_LOG_N: String(scrypt.logN),
  SCRYPT_R: String(scrypt.r),
  SCRYPT_P: String(scrypt.p),
  DB_POOL_MAX: String(config.database.poolMax),
};
const logFile = join(root, 'bench-results', `bench-${stamp}.log`);

const asPercent = (share: number | undefined) => `${Math.round((share ?? NaN) * 100)}%`;
/** How busy the server and the machine were: a saturated machine caps every figure. */
const usage = (result: LoadResult, floor?: LoadResult) =>
  floor
    ? `cores ${result.serverCores?.toFixed(2)}/${floor.serverCores?.toFixed(2)}, machine ${asPercent(result.hostBusy)}/${asPercent(floor.hostBusy)} busy`
    : `${result.serverCores?.toFixed(2)} cores, machine ${asPercent(result.hostBusy)} busy`;

/**
 * Runs a load against the service (or whatever takes its place: the first target gets the
 * service's part of `spec`) and the same load against the floor. A read (`sliced`) is
 * measured in slices of SLICE_SECONDS, the two taking turns (bench/slices.ts), so the
 * machine's drift during the minute shifts both alike; the rest runs whole, one after the
 * other.
 */
async function sideBySide(
  scenario: string,
  service: Started,
  floor: Started,
  spec: (target: 'service' | 'floor', url: string) => LoadSpec,
  sliced: boolean,
): Promise<Row> {
  const targets = [service, floor] as const;
  const specs = targets.map((target, index) => spec(index === 0 ? 'service' : 'floor', target.url));
  const duration = specs[0]!.durationSeconds;
  // wrk takes whole seconds.
  const sliceSeconds = sliced ? Math.min(SLICE_SECONDS, duration) : duration;
  const slices = Math.max(1, Math.round(duration / sliceSeconds));
  if (sliced && settings.warmupSeconds) {
    for (const full of specs) {
      await runLoad({ ...full, title: 'warm-up', durationSeconds: settings.warmupSeconds });
    }
  }
  const results: [LoadResult[], LoadResult[]] = [[], []];
  for (const turn of turnOrder(slices)) {
    for (const index of turn) {
      const pid = targets[index].child.pid!;
      results[index].push(
        await runLoad({ ...specs[index]!, durationSeconds: sliceSeconds, serverPid: pid }),
      );
      await waitForIdle(pid, settings.idleSamples);
    }
  }
  const serviceResult = mergeSlices(results[0], sliceSeconds);
  const floorResult = mergeSlices(results[1], sliceSeconds);
  return {
    scenario,
    service: serviceResult,
    floor: floorResult,
    note: usage(serviceResult, floorResult),
  };
}

/** Reads while a flood of wrong-password logins runs; the reads start once the flood is on. */
async function underFlood(url: string, readPath: string, loginPath: string, tokens: string[]) {
  const { flood } = settings;
  const logins = runLoad({
    title: 'flood logins',
    url: url + loginPath,
    method: 'POST',
    connections: flood.loginConnections,
    durationSeconds: flood.seconds + 2 * flood.leadSeconds,
    expectStatus: 401,
    tolerateStatuses: [503],
    bodies: Array.from({ length: flood.loginConnections }, (_, index) => ({
      email: benchEmail(index % settings.users),
      password: 'wrong-password-123',
    })),
    checkRetryAfter: true,
  });
  await pause(flood.leadSeconds * 1000);
  const reads = await runLoad({
    title: 'reads under flood',
    url: url + readPath,
    method: 'GET',
    connections: flood.readConnections,
    durationSeconds: flood.seconds,
    expectStatus: 200,
    bearerTokens: tokens,
  });
  return { reads, logins: await logins };
}

/**
 * A hashing scenario between two measurements of the raw scrypt rate, so the share of it is
 * taken against the machine as it was during the load (a shared machine's speed drifts by
 * 20% within minutes; the rate at the start of a run is no reference for its tenth minute).
 */
async function besideRawScrypt(scenario: () => Promise<Row>): Promise<Row> {
  const { scrypt: parameters, hashConcurrency } = config.passwords;
  const before = await measureScrypt(parameters, hashConcurrency, settings.scryptSeconds);
  const row = await scenario();
  const after = await measureScrypt(parameters, hashConcurrency, settings.scryptSeconds);
  row.rawScryptRate = (before + after) / 2;
  row.note = `${Math.round((row.service.requestsPerSecond / row.rawScryptRate) * 100)}% of raw scrypt (${row.rawScryptRate.toFixed(2)}/s around it)`;
  return row;
}

/** The two reads (REST and tRPC) the run measures, each in turns against the floor. */
async function readRows(
  service: Started,
  floor: Started,
  tokens: string[],
  reads: ReadonlySet<string> = only,
): Promise<Row[]> {
  const rows: Row[] = [];
  const read =
    (path: string) =>
    (_target: string, url: string): LoadSpec => ({
      title: path,
      url: url + path,
      method: 'GET',
      connections: settings.read.connections,
      durationSeconds: settings.read.seconds,
      expectStatus: 200,
      bearerTokens: tokens,
    });
  if (reads.has('profile-rest')) {
    log('profile over REST');
    rows.push(
      await sideBySide(
        READ_SCENARIOS.rest,
        service,
        floor,
        (target, url) =>
          read(target === 'service' ? '/api/auth/profile/' : '/profile')(target, url),
        true,
      ),
    );
  }
  if (reads.has('profile-trpc')) {
    log('profile over tRPC');
    rows.push(
      await sideBySide(
        READ_SCENARIOS.trpc,
        service,
        floor,
        (target, url) => read(target === 'service' ? '/trpc/profile.get' : '/profile')(target, url),
        true,
      ),
    );
  }
  return rows;
}

/**
 * The reads again on `readPairs - 1` fresh pairs of service and floor processes (the run's own
 * pair is the first), with the tokens of the last run: same key, same database, same Redis.
 */
async function readsOnFreshPairs(tokens: string[]): Promise<Row[][]> {
  const pairs: Row[][] = [];
  for (let pair = 2; pair <= settings.readPairs; pair += 1) {
    log(`\nreads on a fresh pair of processes (${pair} of ${settings.readPairs})`);
    const rows = await withStarted(
      [
        () => startService({ ...serviceEnv, MIGRATE_ON_START: 'false' }, logFile),
        () => startFloor(floorEnv, logFile),
      ],
      async ([service, floor]) => {
        await warmSessions(service!.url, tokens);
        return readRows(service!, floor!, tokens);
      },
    );
    log(formatTable(rows));
    pairs.push(rows);
  }
  return pairs;
}

const BOTH_READS: ReadonlySet<string> = new Set(['profile-rest', 'profile-trpc']);

/**
 * The two reads again with the design's floor (design-floor.ts: the floor's read inside Koa,
 * tRPC, zod and superjson) in the service's place, on a fresh floor process.
 */
async function designFloorReads(tokens: string[]): Promise<Row[]> {
  log("\nthe design's floor beside the floor");
  const rows = await withStarted(
    [() => startDesignFloor(floorEnv, logFile), () => startFloor(floorEnv, logFile)],
    ([design, floor]) => readRows(design!, floor!, tokens, BOTH_READS),
  );
  return rows.map((row) => ({ ...row, scenario: `design floor: ${row.scenario}` }));
}

/** What the chosen stack leaves of the floor's rate: a figure to read the service's share by. */
function designFloorTarget(rows: Row[]): Target {
  const shares = rows.map(
    (row) =>
      `${row.scenario} ${Math.round((row.service.requestsPerSecond / row.floor!.requestsPerSecond) * 100)}%`,
  );
  return {
    name: "The design's own floor (the floor's read in Koa, tRPC, zod, superjson), share of the floor's req/s",
    goal: 'every request answered; the share is a figure: what the chosen stack leaves of the floor',
    measured: shares.join(', '),
    met: rows.every((row) => row.service.errors === 0 && row.floor!.errors === 0),
  };
}

async function oneRun(
  run: number,
  service: Started,
  floor: Started,
): Promise<{ report: RunReport; tokens: string[] }> {
  log(`\n--- run ${run} of ${runs}: seeding sessions`);
  const sessions = await loginUsers(service.url, settings.users);
  const tokens = sessions.map((session) => session.access);
  await warmSessions(service.url, tokens);
  const rows = await readRows(service, floor, tokens);
  if (only.has('refresh')) {
    log('refresh rotation');
    const chains = settings.refresh.connections;
    const floorSessions: Session[] = await loginFloor(floor.url, chains);
    rows.push(
      await sideBySide(
        'refresh rotation',
        service,
        floor,
        (target, url) => ({
          title: 'refresh',
          url: url + (target === 'service' ? '/api/auth/refresh/' : '/refresh'),
          method: 'POST',
          connections: chains,
          durationSeconds: settings.refresh.seconds,
          expectStatus: 200,
          refreshTokens: (target === 'service' ? sessions : floorSessions)
            .slice(0, chains)
            .map((s) => s.refresh),
        }),
        false,
      ),
    );
  }
  if (only.has('login')) {
    log('login');
    const row = await besideRawScrypt(() =>
      sideBySide(
        'login',
        service,
        floor,
        (target, url) =>
          loginSpec(
            url + (target === 'service' ? '/api/auth/login/' : '/login'),
            settings.login.connections,
            settings.login.seconds,
            settings.users,
          ),
        false,
      ),
    );
    rows.push(row);
  }
  if (only.has('register')) {
    log('register');
    const body = (prefix: string) =>
      JSON.stringify({
        email: `${prefix}-{n}@bench.test`,
        full_name: 'Bench Registrant',
        password: BENCH_PASSWORD,
        password_confirm: BENCH_PASSWORD,
      });
    const row = await besideRawScrypt(() =>
      sideBySide(
        'register',
        service,
        floor,
        (target, url) => ({
          title: 'register',
          url: url + (target === 'service' ? '/api/auth/register/' : '/register'),
          method: 'POST',
          connections: settings.register.connections,
          durationSeconds: settings.register.seconds,
          expectStatus: 201,
          uniqueBody: body(`reg-${stamp.slice(11).replaceAll('-', '')}-${run}-${target}`),
        }),
        false,
      ),
    );
    rows.push(row);
  }
  if (only.has('flood')) {
    log('profile reads during a login flood');
    const onService = await underFlood(
      service.url,
      '/api/auth/profile/',
      '/api/auth/login/',
      tokens,
    );
    await waitForIdle(service.child.pid!, settings.idleSamples);
    const onFloor = await underFlood(floor.url, '/profile', '/login', tokens);
    await waitForIdle(floor.child.pid!, settings.idleSamples);
    rows.push({
      scenario: 'flood: profile reads (REST)',
      service: onService.reads,
      floor: onFloor.reads,
    });
    const unavailable = onService.logins.statusCodes['503'] ?? 0;
    rows.push({
      scenario: 'flood: wrong-password logins',
      service: onService.logins,
      floor: onFloor.logins,
      note: unavailable
        ? `${unavailable} x 503, ${onService.logins.unavailableWithoutRetryAfter} without Retry-After`
        : '',
    });
  }
  await waitForIdle(service.child.pid!, settings.idleSamples);
  const serviceRssMb = residentMegabytes(service.child.pid!);
  log(`\nrun ${run}: service RSS ${serviceRssMb?.toFixed(0)} MB\n${formatTable(rows)}`);
  return { report: { run, rows, serviceRssMb }, tokens };
}

/**
 * One worker per core against the single process, measured back to back and in turn (single,
 * cluster, single, cluster), so a machine that gets busier or quieter shifts both alike. The
 * tokens of the last run stay valid: same key, same database, same Redis.
 */
async function clusterComparison(tokens: string[], lastRun: RunReport): Promise<Row[]> {
  const workers = Number(process.env.HTTP_WORKERS) || availableParallelism();
  const env = { ...serviceEnv, MIGRATE_ON_START: 'false' };
  const rows: Row[] = [];
  const measure = async (scenario: string, start: () => Promise<Started>) => {
    log(scenario);
    const target = await start();
    try {
      const result = await measureRestRead(target, scenario, tokens, {
        connections: settings.read.connections,
        seconds: settings.clusterSeconds,
        warmupSeconds: settings.warmupSeconds,
      });
      rows.push({ scenario, service: result, note: usage(result) });
    } finally {
      await stop(target);
    }
  };
  for (let round = 1; round <= settings.clusterRounds; round += 1) {
    await measure(`single process, round ${round}`, () => startService(env, logFile));
    await measure(`cluster x${workers}, round ${round}`, () => startCluster(env, logFile));
  }
  if (settings.clusterRounds === 0) {
    // Smoke: the run's own REST figure stands in for the single process.
    const single = lastRun.rows.find((row) => row.scenario === READ_SCENARIOS.rest);
    if (single) rows.push({ scenario: 'single process (the run above)', service: single.service });
    await measure(`cluster x${workers}`, () => startCluster(env, logFile));
  }
  return rows;
}

function evaluate(
  reports: RunReport[],
  freshPairs: Row[][],
  scryptRate: number,
  clusterRows: Row[],
  overflow: Awaited<ReturnType<typeof overflowCheck>> | null,
): Target[] {
  const last = reports.at(-1)!;
  const row = (prefix: string) =>
    last.rows.find((candidate) => candidate.scenario.startsWith(prefix));
  const share = (found: Row | undefined) =>
    found?.floor ? found.service.requestsPerSecond / found.floor.requestsPerSecond : null;
  const percent = (value: number | null) =>
    value === null ? 'not run' : `${Math.round(value * 100)}%`;
  const targets: Target[] = [];
  for (const [name, scenario] of [
    ['Profile read over REST', READ_SCENARIOS.rest],
    ['Profile read over tRPC', READ_SCENARIOS.trpc],
  ] as const) {
    // The last run's pair, then the fresh ones.
    const shares = [last.rows, ...freshPairs]
      .map((rows) => share(rows.find((candidate) => candidate.scenario === scenario)))
      .filter((value) => value !== null);
    const mean = shares.length
      ? shares.reduce((sum, value) => sum + value, 0) / shares.length
      : null;
    targets.push({
      name: `${name}, share of the floor's req/s`,
      goal: '>= 60%',
      measured:
        shares.length > 1
          ? `${percent(mean)}, the mean over ${shares.length} pairs of processes (${shares.map(percent).join(', ')})`
          : percent(mean),
      met: mean === null ? null : mean >= 0.6,
    });
  }
  const login = row('login');
  const rawRate = login?.rawScryptRate ?? scryptRate;
  const loginShare = login ? login.service.requestsPerSecond / rawRate : null;
  targets.push({
    name: 'Login/s over the raw scrypt rate (measured before and after the login load)',
    goal: '>= 90%',
    measured: login
      ? `${login.service.requestsPerSecond.toFixed(2)}/s of ${rawRate.toFixed(2)}/s = ${percent(loginShare)}`
      : 'not run',
    met: loginShare === null ? null : loginShare >= 0.9,
  });
  const flood = row('flood: profile');
  targets.push({
    name: 'Profile read p99 during a login flood',
    goal: "<= 3x the floor's p99 and <= 100 ms",
    measured: flood?.floor
      ? `${flood.service.p99} ms vs floor ${flood.floor.p99} ms (${(flood.service.p99 / flood.floor.p99).toFixed(2)}x)`
      : 'not run',
    met: flood?.floor ? flood.service.p99 <= 3 * flood.floor.p99 && flood.service.p99 <= 100 : null,
  });
  const rss = reports.map((report) => report.serviceRssMb ?? NaN);
  const growth = rss.length >= 3 ? rss.at(-1)! - rss[0]! : null;
  targets.push({
    name: 'Service RSS at the end of each run',
    goal: '< 200 MB, no growth across 3 runs (within 10%)',
    measured: `${rss.map((value) => value.toFixed(0)).join(' -> ')} MB${growth === null ? ' (use --runs 3 for growth)' : ''}`,
    met: Math.max(...rss) < 200 && (growth === null || growth <= rss[0]! * 0.1),
  });
  const mean = (list: Row[]) =>
    list.reduce((sum, each) => sum + each.service.requestsPerSecond, 0) / list.length;
  const clustered = clusterRows.filter((each) => each.scenario.startsWith('cluster'));
  const singles = clusterRows.filter((each) => !each.scenario.startsWith('cluster'));
  const scale = clustered.length && singles.length ? mean(clustered) / mean(singles) : null;
  // The load generator, PostgreSQL and Redis share the cores with the workers. If the single
  // process keeps the machine a share B busy, the same requests at n times the rate need n x B
  // of the machine: no cluster on this machine can pass 1 / B.
  const singleBusy =
    singles.reduce((sum, each) => sum + (each.service.hostBusy ?? NaN), 0) / singles.length;
  const ceiling = singles.length && singleBusy > 0 ? 1 / singleBusy : null;
  targets.push({
    name: 'One worker per core, over the single process (REST reads, in turn)',
    goal: '>= 1.6x',
    measured:
      scale === null
        ? 'not run'
        : `${mean(clustered).toFixed(0)} vs ${mean(singles).toFixed(0)} req/s = ${scale.toFixed(2)}x` +
          (ceiling
            ? `; the single process already keeps the machine ${Math.round(singleBusy * 100)}% busy, so this machine allows at most ${ceiling.toFixed(2)}x`
            : ''),
    met: scale === null ? null : scale >= 1.6,
  });
  targets.push({
    name: 'Logins beyond the hash queue',
    goal: '503 SERVICE_UNAVAILABLE with Retry-After, no long wait',
    measured: overflow
      ? `${JSON.stringify(overflow.statuses)}, ${overflow.unavailableWellFormed}/${overflow.unavailable} well-formed 503s, slowest ${overflow.slowestMs.toFixed(0)} ms`
      : 'not run',
    met: overflow
      ? overflow.unavailable > 0 && overflow.unavailable === overflow.unavailableWellFormed
      : null,
  });
  return targets;
}

async function main() {
  const started = Date.now();
  mkdirSync(join(root, 'bench-results'), { recursive: true });
  if (options.build) {
    log('building (npm run build)');
    await runCommand('npm', ['run', 'build'], 300_000).catch(
      (error: Error & { stdout?: string }) => {
        throw new Error(`npm run build failed:\n${error.stdout ?? error.message}`);
      },
    );
  }
  const [postgresVersion, redisVersion] = await Promise.all([
    resetDatabase(databaseUrl),
    resetRedis(redisUrl),
  ]);
  const parallel = config.passwords.hashConcurrency;
  log(
    `raw scrypt rate (logN=${scrypt.logN} r=${scrypt.r} p=${scrypt.p}, ${parallel} at once, ${settings.scryptSeconds} s)`,
  );
  const scryptRate = await measureScrypt(scrypt, parallel, settings.scryptSeconds);
  log(`  ${scryptRate.toFixed(2)} verifications/s`);

  const profileDir = options.profile ? join(root, 'bench-results', `profile-${stamp}`) : undefined;
  const service = await startService(serviceEnv, logFile, { cpuProfileDir: profileDir });
  const floor = await startFloor(floorEnv, logFile);
  const reports: RunReport[] = [];
  let lastTokens: string[] = [];
  try {
    log(`registering ${settings.users} accounts`);
    await registerUsers(service.url, settings.users);
    for (let run = 1; run <= runs; run += 1) {
      const { report, tokens } = await oneRun(run, service, floor);
      reports.push(report);
      lastTokens = tokens;
    }
  } finally {
    await stop(floor);
    await stop(service);
  }

  // Under --profile the run's own service is slowed by the profiler: no fair pair to average with.
  const freshPairs =
    lastTokens.length && !profileDir && settings.readPairs > 1
      ? await readsOnFreshPairs(lastTokens)
      : [];

  const designRows =
    only.has('design-floor') && lastTokens.length && !profileDir
      ? await designFloorReads(lastTokens)
      : [];

  let clusterRows: Row[] = [];
  if (options.cluster && only.has('profile-rest') && lastTokens.length) {
    clusterRows = await clusterComparison(lastTokens, reports.at(-1)!);
  }

  // The comparisons below start services of their own on the migrated stores, and read alike.
  const comparisonEnv = { ...serviceEnv, MIGRATE_ON_START: 'false' };
  const comparisonRead = {
    connections: settings.read.connections,
    seconds: settings.clusterSeconds,
    warmupSeconds: settings.warmupSeconds,
  };
  let metricsRows: Row[] = [];
  if (options.metrics && only.has('profile-rest') && lastTokens.length) {
    log('\nwhat counting costs: the REST read without and with metrics, in turn');
    metricsRows = await metricsComparison(
      comparisonEnv,
      logFile,
      lastTokens,
      {
        rounds: settings.metricsRounds,
        ...comparisonRead,
        sliceSeconds: options.smoke ? comparisonRead.seconds : SLICE_SECONDS,
        idleSamples: settings.idleSamples,
      },
      log,
    );
  }

  let haproxyRows: Row[] = [];
  const haproxy = await haproxyVersion();
  if (only.has('haproxy') && lastTokens.length) {
    if (!settings.haproxyRounds) log('\nhaproxy: skipped (smoke mode)');
    else if (!haproxy) log('\nhaproxy: skipped (no haproxy on the PATH; apt-get install haproxy)');
    else {
      log(`\n${INSTANCES} instances behind HAProxy ${haproxy} and one process, in turn`);
      haproxyRows = await haproxyComparison(
        comparisonEnv,
        logFile,
        lastTokens,
        {
          rounds: settings.haproxyRounds,
          ...comparisonRead,
          login: settings.login,
          users: settings.users,
          idleSamples: settings.idleSamples,
        },
        log,
      );
    }
  }

  log('\nlogin beyond the hash queue (a second service with HASH_QUEUE_LIMIT=4)');
  const small = await startService(
    { ...serviceEnv, MIGRATE_ON_START: 'false', HASH_QUEUE_LIMIT: '4' },
    logFile,
  );
  const overflow = await overflowCheck(small.url, settings.overflowBurst).finally(() =>
    stop(small),
  );

  const targets = [
    ...evaluate(reports, freshPairs, scryptRate, clusterRows, overflow),
    ...(designRows.length ? [designFloorTarget(designRows)] : []),
    ...(metricsRows.length ? [metricsCostTarget(metricsRows)] : []),
    ...(haproxyRows.length ? haproxyTargets(haproxyRows) : []),
  ];
  const versions = {
    node: process.version,
    postgres: postgresVersion,
    redis: redisVersion,
    autocannon: (
      JSON.parse(readFileSync(join(root, 'node_modules/autocannon/package.json'), 'utf8')) as {
        version: string;
      }
    ).version,
    wrk: process.env.BENCH_LOAD === 'autocannon' ? null : wrkVersion(),
    haproxy,
    commit: (
      await runCommand('git', ['rev-parse', '--short', 'HEAD'], 10_000).catch(() => ({
        stdout: 'unknown',
      }))
    ).stdout.trim(),
  };
  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    loadAverageAtEnd: loadavg().map((value) => value.toFixed(2)),
  };
  const benchSettings = {
    mode: options.smoke ? 'smoke' : 'full',
    runs,
    ...settings,
    scrypt,
    hashConcurrency: config.passwords.hashConcurrency,
    hashQueueLimit: config.passwords.hashQueueLimit,
    dbPoolMax: config.database.poolMax,
    heapLimitMb: heapMb || 'V8 default',
    uvThreadpoolSize: process.env.UV_THREADPOOL_SIZE ?? 'default (4)',
  };
  const lines = [
    `auth-service benchmark, ${new Date().toISOString()}, ${options.smoke ? 'smoke' : 'full'} mode`,
    `machine: ${machine.cpu}, ${machine.cores} cores, load average at the end ${machine.loadAverageAtEnd.join(' ')}`,
    `versions: node ${versions.node}, PostgreSQL ${versions.postgres}, Redis ${versions.redis}, autocannon ${versions.autocannon}, ${versions.wrk ? `wrk ${versions.wrk} (plain reads)` : 'no wrk (autocannon for every load)'}, commit ${versions.commit}`,
    `settings: reads ${settings.read.connections} connections x ${settings.read.seconds} s; login ${settings.login.connections} x ${settings.login.seconds} s; register ${settings.register.connections} x ${settings.register.seconds} s; refresh ${settings.refresh.connections} x ${settings.refresh.seconds} s; flood ${settings.flood.loginConnections} login + ${settings.flood.readConnections} read connections x ${settings.flood.seconds} s`,
    `service: node dist/server/index.js ${nodeOptions}; scrypt logN=${scrypt.logN} r=${scrypt.r} p=${scrypt.p}, HASH_CONCURRENCY=${benchSettings.hashConcurrency}, HASH_QUEUE_LIMIT=${benchSettings.hashQueueLimit}, DB_POOL_MAX=${benchSettings.dbPoolMax}, UV_THREADPOOL_SIZE ${benchSettings.uvThreadpoolSize}`,
    `raw scrypt at the start: ${scryptRate.toFixed(2)} verifications/s (${parallel} at once); login and register are compared with the rate measured around them`,
    '',
    ...reports.flatMap((report) => [
      `run ${report.run} (service RSS at its end: ${report.serviceRssMb?.toFixed(0)} MB)`,
      formatTable(report.rows),
      '',
    ]),
    ...freshPairs.flatMap((rows, index) => [
      `reads on fresh pair ${index + 2} of ${settings.readPairs} (service and floor processes)`,
      formatTable(rows),
      '',
    ]),
    ...(designRows.length
      ? ["the design's floor beside the floor", formatTable(designRows), '']
      : []),
    ...(clusterRows.length ? ['one worker per core', formatTable(clusterRows), ''] : []),
    ...(metricsRows.length
      ? ['metrics off and on (METRICS_PORT)', formatTable(metricsRows), '']
      : []),
    ...(haproxyRows.length
      ? [
          `${INSTANCES} instances behind HAProxy ${haproxy} and one process (same database and Redis)`,
          formatTable(haproxyRows),
          '',
        ]
      : []),
    options.smoke
      ? 'targets (a smoke run is too short for its figures to mean anything):'
      : 'targets (last run; a read: the mean over its pairs of processes):',
    formatTargets(targets),
  ];
  if (profileDir) lines.push('', 'service CPU profile (self time):', summarizeProfiles(profileDir));
  const text = lines.join('\n');
  const file = writeResults(
    stamp,
    {
      date: new Date().toISOString(),
      machine,
      versions,
      settings: benchSettings,
      scryptRate,
      reports,
      freshPairs,
      designRows,
      clusterRows,
      metricsRows,
      haproxyRows,
      overflow,
      targets,
    },
    text,
  );
  log(
    `\n${text}\n\nwritten to ${file} (and .json); took ${Math.round((Date.now() - started) / 1000)} s`,
  );
  // A missed target is a finding; a failed request or a wrong answer to a full queue is a
  // breakage, and fails the run (what the CI smoke run is for).
  const failures = [
    ...reports.flatMap((report) => report.rows),
    ...freshPairs.flat(),
    ...designRows,
    ...clusterRows,
    ...metricsRows,
    ...haproxyRows,
  ]
    .flatMap((row) => [row.service, ...(row.floor ? [row.floor] : [])])
    .filter((result) => result.errors > 0)
    .map(
      (result) => `${result.title}: ${result.errors} errors ${JSON.stringify(result.statusCodes)}`,
    );
  if (overflow.unavailable === 0 || overflow.unavailable !== overflow.unavailableWellFormed)
    failures.push('a full hash queue did not answer 503 SERVICE_UNAVAILABLE with Retry-After');
  if (failures.length) {
    log(`\nFAILED:\n  ${failures.join('\n  ')}`);
    process.exitCode = 1;
  }
}

main()
  .catch((error: Error) => {
    process.stderr.write(`bench failed: ${error.stack ?? error.message}\n`);
    process.exitCode = 1;
  })
  .finally(stopLoadGenerators);
