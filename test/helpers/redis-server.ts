/**
 * A redis-server of the test's own on a spare port of 127.0.0.1, in a temp dir, without
 * persistence, so a scenario can kill, stall (SIGSTOP) and restart it without touching the
 * Redis everybody else uses. Every wait is bounded; `close()` kills it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { portAnswers } from './environment.js';
import { freePort } from './spawn-service.js';

export interface OwnRedis {
  readonly port: number;
  readonly url: string;
  /** SIGKILL: the server is gone at once, its connections reset. */
  kill(): Promise<void>;
  /** SIGSTOP: connections stay open and nothing answers. */
  stall(): void;
  /** SIGCONT after a stall. */
  resume(): void;
  /** Starts a new server on the same port (after `kill`), waiting until it accepts. */
  start(): Promise<void>;
  close(): Promise<void>;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${what} within ${timeoutMs} ms`);
}

export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'resilience-redis-'));
  let child: ChildProcess | undefined;

  const start = async () => {
    const args = [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
    ];
    const next = spawn('redis-server', [...args, '--dir', dir], { stdio: 'ignore' });
    child = next;
    await waitFor(() => portAnswers('127.0.0.1', port, 200), 10_000, 'redis-server did not listen');
  };
  const kill = async () => {
    const current = child;
    child = undefined;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    const exited = new Promise((resolve) => current.once('exit', resolve));
    current.kill('SIGCONT');
    current.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}/0`,
    kill,
    stall: () => child?.kill('SIGSTOP'),
    resume: () => child?.kill('SIGCONT'),
    start,
    async close() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
