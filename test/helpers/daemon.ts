/**
 * The infrastructure programs the scale suite starts for itself (redis-server, redis-sentinel,
 * pgbouncer, haproxy): each in a temporary directory of its own, on spare ports of 127.0.0.1,
 * waited for with a bound, and stopped (then its directory removed) by the test.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { portAnswers } from './environment.js';
import { startChild, type ChildHandle } from './spawn-service.js';

export const run = promisify(execFile);

export interface Daemon {
  handle: ChildHandle;
  port: number;
  /** SIGKILL, as a crash would; the directory stays for the others sharing it. */
  kill(): Promise<void>;
}

/** A scratch directory removed by the returned function. */
export async function scratchDirectory(name: string) {
  const path = await mkdtemp(join(tmpdir(), `auth-scale-${name}-`));
  // Readable by a daemon that drops root (PgBouncer); it holds no secrets.
  await chmod(path, 0o755);
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** Writes `config` into `directory/file` and returns its path. */
export async function writeConfig(directory: string, file: string, config: string) {
  const path = join(directory, file);
  await writeFile(path, config);
  return path;
}

/** Starts `command args` and waits (at most `timeoutMs`) until `port` accepts connections. */
export async function startDaemon(
  command: string,
  args: string[],
  port: number,
  timeoutMs = 10_000,
): Promise<Daemon> {
  const handle = startChild(args, {}, command);
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void handle.exit.then(() => (exited = true));
  while (!(await portAnswers('127.0.0.1', port, 200))) {
    if (exited || Date.now() > deadline) {
      await handle.kill();
      throw new Error(
        `${command} did not listen on ${port}: ${handle.stderr()} ${handle.stdout()}`.trim(),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { handle, port, kill: () => handle.kill() };
}

/** Polls `check` until it returns a value (not undefined), at most `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline)
      throw new Error(`${what}: not within ${timeoutMs} ms (${String(lastError ?? 'no answer')})`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
