/**
 * Three service processes behind HAProxy against one process, measured in turn (single, three,
 * three, single) on the REST read and on login: the same HAProxy the scale suite starts
 * (test/helpers/load-balancing.ts: round robin, health checks on GET /health/ready), each
 * instance on its own port and all on the same database and Redis. The tokens of the last run
 * stay valid at every instance: same key, same database, same Redis.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startHaproxy, type HaproxyUnderTest } from '../test/helpers/load-balancing.js';
import { waitFor } from '../test/helpers/daemon.js';
import type { LoadResult } from './load.js';
import { runLoad, startService, stop, waitForIdle, type Started } from './processes.js';
import type { Row, Target } from './report.js';
import {
  measureRestRead,
  servingPids,
  type ReadTarget,
  type RestReadSettings,
} from './rest-read.js';
import { loginSpec } from './seed.js';

export const INSTANCES = 3;

export interface HaproxySettings extends RestReadSettings {
  rounds: number;
  login: { connections: number; seconds: number };
  users: number;
  idleSamples: number;
}

/** `haproxy -v`'s version, or null when no haproxy is on the PATH. */
export async function haproxyVersion(): Promise<string | null> {
  try {
    const { stdout } = await promisify(execFile)('haproxy', ['-v'], { timeout: 10_000 });
    return /version (\S+)/i.exec(stdout)?.[1] ?? 'unknown';
  } catch {
    return null;
  }
}

/** A target being measured: where the load goes, and the processes that serve it. */
interface Measured {
  target: ReadTarget;
  pids: number[];
  label: string;
  stop(): Promise<unknown>;
}

type Starter = (env: Record<string, string>, logFile: string, round: number) => Promise<Measured>;

/** What one target answered: the reads, then (once its processes are idle) the logins. */
async function readAndLogin(
  target: ReadTarget,
  pids: number[],
  label: string,
  tokens: string[],
  settings: HaproxySettings,
): Promise<Row[]> {
  const busy = (result: LoadResult) =>
    `${result.serverCores?.toFixed(2)} cores, machine ${Math.round((result.hostBusy ?? NaN) * 100)}% busy`;
  const read = await measureRestRead(target, `${label}: REST read`, tokens, settings);
  for (const pid of pids) await waitForIdle(pid, settings.idleSamples);
  const login = await runLoad({
    ...loginSpec(
      `${target.url}/api/auth/login/`,
      settings.login.connections,
      settings.login.seconds,
      settings.users,
    ),
    serverPids: servingPids(target),
  });
  for (const pid of pids) await waitForIdle(pid, settings.idleSamples);
  return [
    { scenario: `${label}: REST read`, service: read, note: busy(read) },
    {
      scenario: `${label}: login`,
      service: { ...login, title: `${label}: login` },
      note: busy(login),
    },
  ];
}

const onSingle: Starter = async (env, logFile, round) => {
  const service = await startService(env, logFile);
  return {
    target: service,
    pids: [service.child.pid!],
    label: `single, round ${round}`,
    stop: () => stop(service),
  };
};

const behindHaproxy: Starter = async (env, logFile, round) => {
  const started = await Promise.allSettled(
    Array.from({ length: INSTANCES }, () => startService(env, logFile)),
  );
  const instances = started.flatMap((each) => (each.status === 'fulfilled' ? [each.value] : []));
  let haproxy: HaproxyUnderTest | undefined;
  const stopAll = async () => {
    await haproxy?.stop();
    await Promise.all(instances.map((instance) => stop(instance)));
  };
  try {
    const failed = started.find((each) => each.status === 'rejected');
    if (failed) throw new Error(`an instance did not start: ${String(failed.reason)}`);
    const pids = instances.map((instance: Started) => instance.child.pid!);
    haproxy = await startHaproxy(instances.map((instance) => Number(new URL(instance.url).port)));
    const { baseUrl } = haproxy;
    await waitFor(
      'HAProxy sees the instances up',
      async () => ((await fetch(`${baseUrl}/health/ready`)).ok ? true : undefined),
      10_000,
    );
    return {
      target: { url: baseUrl, pids: [...pids, haproxy.pid] },
      pids,
      label: `${INSTANCES} behind HAProxy, round ${round}`,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
};

export async function haproxyComparison(
  env: Record<string, string>,
  logFile: string,
  tokens: string[],
  settings: HaproxySettings,
  log: (line: string) => void,
): Promise<Row[]> {
  const rows: Row[] = [];
  const measure = async (start: Starter, round: number) => {
    const started = await start(env, logFile, round);
    log(started.label);
    try {
      rows.push(
        ...(await readAndLogin(started.target, started.pids, started.label, tokens, settings)),
      );
    } finally {
      await started.stop();
    }
  };
  // Single then three, then three then single: neither always runs first.
  for (let round = 1; round <= settings.rounds; round += 1) {
    if (round % 2) await measure(onSingle, round).then(() => measure(behindHaproxy, round));
    else await measure(behindHaproxy, round).then(() => measure(onSingle, round));
  }
  return rows;
}

/** Three instances over one, on reads and on logins, as a ratio of the means over the rounds. */
export function haproxyTargets(rows: Row[]): Target[] {
  const mean = (prefix: string, suffix: string) => {
    const found = rows.filter(
      (row) => row.scenario.startsWith(prefix) && row.scenario.endsWith(suffix),
    );
    return found.length
      ? found.reduce((sum, row) => sum + row.service.requestsPerSecond, 0) / found.length
      : null;
  };
  const failed = rows.reduce((sum, row) => sum + row.service.errors, 0);
  return (
    [
      ['REST read', 'req/s'],
      ['login', 'logins/s'],
    ] as const
  ).map(([what, unit]) => {
    const single = mean('single', what);
    const three = mean(`${INSTANCES} behind`, what);
    const digits = what === 'login' ? 2 : 0;
    return {
      name: `${INSTANCES} instances behind HAProxy over one process (${what}, in turn)`,
      goal: 'every request answered through HAProxy; the ratio is a figure (the cores are shared)',
      measured:
        single && three !== null
          ? `${three.toFixed(digits)} vs ${single.toFixed(digits)} ${unit} = ${(three / single).toFixed(2)}x`
          : 'not run',
      met: single && three !== null ? failed === 0 : null,
    };
  });
}
