/**
 * The processes a benchmark run starts: the service (as production runs it, from dist/), the
 * floor server, the cluster, one load generator per load, the raw scrypt measurement. Each is
 * a child of the runner, bounded in time, and stopped by its own pid.
 */
import { execFile, fork, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../test/helpers/spawn-service.js';
import type { LoadResult, LoadSpec } from './load.js';

const here = import.meta.dirname;
export const root = join(here, '..');
const TSX = ['--import', 'tsx'];

export interface Started {
  name: string;
  url: string;
  child: ChildProcess;
}

async function waitForHealth(started: Started, path: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (started.child.exitCode !== null)
      throw new Error(`${started.name} exited with code ${started.child.exitCode} (see its log)`);
    try {
      const response = await fetch(started.url + path, { signal: AbortSignal.timeout(1000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${started.name} did not become healthy within ${timeoutMs} ms`);
}

/** Starts a child with stdout/stderr in a log file, then waits until `healthPath` answers 200. */
async function startChild(
  name: string,
  args: string[],
  env: Record<string, string>,
  logFile: string,
  healthPath: string,
): Promise<Started> {
  const port = await freePort();
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(logFile, { flags: 'a' });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const started = { name, url: `http://127.0.0.1:${port}`, child };
  try {
    await waitForHealth(started, healthPath, 60_000);
  } catch (error) {
    await stop(started);
    throw error;
  }
  return started;
}

export function startService(
  env: Record<string, string>,
  logFile: string,
  options: { cpuProfileDir?: string } = {},
) {
  const profile = options.cpuProfileDir
    ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`]
    : [];
  return startChild('service', [...profile, 'dist/server/index.js'], env, logFile, '/health/');
}

export function startCluster(env: Record<string, string>, logFile: string) {
  return startChild('cluster', ['dist/server/cluster.js'], env, logFile, '/health/');
}

export function startFloor(env: Record<string, string>, logFile: string) {
  return startChild('floor', [...TSX, join(here, 'floor-server.ts')], env, logFile, '/health');
}

/** The floor's read inside the design's own stack (design-floor.ts), with the floor's environment. */
export function startDesignFloor(env: Record<string, string>, logFile: string) {
  return startChild(
    'design floor',
    [...TSX, join(here, 'design-floor.ts')],
    env,
    logFile,
    '/health',
  );
}

/** Starts each in turn, hands them to `work`, and stops whatever started, whatever happens. */
export async function withStarted<T>(
  starts: ReadonlyArray<() => Promise<Started>>,
  work: (started: Started[]) => Promise<T>,
): Promise<T> {
  const started: Started[] = [];
  try {
    for (const start of starts) started.push(await start());
    return await work(started);
  } finally {
    for (const target of started) await stop(target);
  }
}

/** SIGTERM (the service drains and exits 0), then SIGKILL if it has not exited in time. */
export function stop(started: Started, timeoutMs = 20_000): Promise<void> {
  const { child } = started;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Resident memory of one process, in MB, from /proc (Linux). */
export function residentMegabytes(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kilobytes = /VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1];
    return kilobytes ? Number(kilobytes) / 1024 : null;
  } catch {
    return null;
  }
}

/** CPU time (user + system) a process has used so far, in ms, from /proc (Linux). */
export function cpuMilliseconds(pid: number): number {
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}
const CLOCK_TICKS_PER_SECOND = 100;

/** CPU time of a process and its children that are alive (cluster workers), in ms. */
export function treeCpuMilliseconds(pid: number): number {
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .split(' ')
      .filter(Boolean)
      .map(Number);
  } catch {
    // no children file: count the process alone
  }
  return [pid, ...children].reduce((sum, each) => sum + cpuMilliseconds(each), 0);
}

/** The whole machine's busy and total CPU time so far (jiffies), from /proc/stat. */
export function hostCpu(): { busy: number; total: number } {
  try {
    const fields = readFileSync('/proc/stat', 'utf8')
      .split('\n')[0]!
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    const total = fields.reduce((sum, value) => sum + value, 0);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0); // idle + iowait
    return { busy: total - idle, total };
  } catch {
    return { busy: NaN, total: NaN }; // not Linux: the figure is left out
  }
}

/**
 * Waits until a process is idle (under 5% of a core for `samples` half seconds), so work left over from one
 * scenario (a backlog of queued hashes after a flood) never runs during the next one.
 */
export async function waitForIdle(pid: number, samples = 2, maxSeconds = 120): Promise<void> {
  const deadline = Date.now() + maxSeconds * 1000;
  let quietSamples = 0;
  let previous = cpuMilliseconds(pid);
  if (Number.isNaN(previous)) return new Promise((resolve) => setTimeout(resolve, 2000)); // no /proc
  while (Date.now() < deadline && quietSamples < samples) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const now = cpuMilliseconds(pid);
    quietSamples = now - previous < 25 ? quietSamples + 1 : 0;
    previous = now;
  }
}

// Load generators are kept between loads (two at most at once: reads during a flood), so a
// run pays for starting them once rather than once per load.
const idleGenerators: ChildProcess[] = [];
const generators = new Set<ChildProcess>();

function generator(): ChildProcess {
  const reused = idleGenerators.pop();
  if (reused) return reused;
  const child = fork(join(here, 'load.ts'), [], { execArgv: TSX, cwd: root });
  generators.add(child);
  child.once('exit', () => generators.delete(child));
  return child;
}

/** Runs one load in a generator process; rejects if it outlives its duration by a minute. */
export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const child = generator();
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => {
      clearTimeout(guard);
      reject(new Error(`load "${spec.title}" ended with code ${code}`));
    };
    const guard = setTimeout(
      () => {
        child.off('exit', onExit);
        child.kill('SIGKILL');
        reject(new Error(`load "${spec.title}" did not finish in time`));
      },
      (spec.durationSeconds + 60) * 1000,
    );
    child.once('exit', onExit);
    child.once('message', (message: { result?: LoadResult; error?: string }) => {
      clearTimeout(guard);
      child.off('exit', onExit);
      idleGenerators.push(child);
      if (message.result) resolve(message.result);
      else reject(new Error(`load "${spec.title}": ${message.error}`));
    });
    child.send(spec);
  });
}

export function stopLoadGenerators() {
  idleGenerators.length = 0;
  for (const child of generators) child.kill();
}

export async function measureScrypt(
  parameters: { logN: number; r: number; p: number },
  parallel: number,
  seconds: number,
): Promise<number> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      ...TSX,
      join(here, 'scrypt-rate.ts'),
      ...[parameters.logN, parameters.r, parameters.p, parallel, seconds].map(String),
    ],
    { cwd: root, timeout: (seconds + 60) * 1000 },
  );
  return (JSON.parse(stdout) as { perSecond: number }).perSecond;
}

export async function runCommand(command: string, args: string[], timeoutMs: number) {
  return promisify(execFile)(command, args, { cwd: root, timeout: timeoutMs, maxBuffer: 1 << 24 });
}
