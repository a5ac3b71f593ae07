/**
 * Runs the real service (or one of its commands) as a child process, the way an operator
 * would: `node --import tsx server/index.ts` from the repository root, configured only through
 * the environment. Every wait is bounded; a child still running at the end is killed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Settings a developer's `.env` could supply; blanked unless a test sets them (blank = unset). */
const CONFIG_NAMES = [
  'NODE_ENV',
  'SECRET_KEY',
  'DATABASE_URL',
  'DB_NAME',
  'DB_USER',
  'DB_PASSWORD',
  'DB_HOST',
  'DB_PORT',
  'REDIS_URL',
  'REDIS_SENTINELS',
  'REDIS_SENTINEL_NAME',
  'REDIS_SENTINEL_PASSWORD',
  'REDIS_CLUSTER_NODES',
  'REDIS_KEY_PREFIX',
  'DB_PREPARED_STATEMENTS',
  'PORT',
  'HOST',
  'ALLOWED_HOSTS',
  'MIGRATE_ON_START',
  'EMBEDDED_DATA_DIR',
  'LOG_LEVEL',
  'EMAIL_HOST',
  'EMAIL_HOST_USER',
  'EMAIL_HOST_PASSWORD',
  'EMAIL_BACKEND',
  'SENDGRID_API_KEY',
  'FRONTEND_URL',
  'ALLOW_INSECURE_PRODUCTION',
  'TRUST_PROXY',
  'SHUTDOWN_DELAY_SECONDS',
  'JWT_ALGORITHM',
  'JWT_PRIVATE_KEY',
  'INTROSPECTION_CLIENTS',
  'METRICS_PORT',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'OTEL_TRACES_EXPORTER',
];

/** The child's environment: PATH and HOME from ours, configuration only from `settings`. */
export function childEnvironment(settings: Record<string, string>): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TMPDIR: process.env.TMPDIR,
  };
  for (const name of CONFIG_NAMES) environment[name] = '';
  return { ...environment, ...settings };
}

/** A port nobody listens on right now: bind 127.0.0.1:0, read it, close. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ChildHandle {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /**
   * Resolves with stdout once it matches `pattern` (a log line may be written after the
   * process already answers requests), or rejects after `timeoutMs` saying what it printed.
   */
  waitForStdout(pattern: RegExp, timeoutMs?: number): Promise<string>;
  exit: Promise<Exit>;
  /** Resolves with the exit, or rejects after `timeoutMs` (the child is then killed). */
  exited(timeoutMs: number): Promise<Exit>;
  /** Kills the child if it still runs. */
  kill(): Promise<void>;
}

export function startChild(
  args: string[],
  settings: Record<string, string>,
  command = process.execPath,
): ChildHandle {
  const child = spawn(command, args, {
    cwd: ROOT,
    env: childEnvironment(settings),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const stdoutWaiters = new Set<() => void>();
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    for (const wake of stdoutWaiters) wake();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exit = new Promise<Exit>((resolveExit) => {
    child.once('exit', (code, signal) => resolveExit({ code, signal }));
  });
  // Exit fires before the pipes are drained; wait for them too, so the output is complete.
  const closed = new Promise<Exit>((resolveClose) => {
    child.once('close', (code, signal) => resolveClose({ code, signal }));
  });
  const running = () => child.exitCode === null && child.signalCode === null;
  const handle: ChildHandle = {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    waitForStdout(pattern, timeoutMs = 10_000) {
      return new Promise((resolveWait, rejectWait) => {
        const check = () => {
          if (!pattern.test(stdout)) return;
          done();
          resolveWait(stdout);
        };
        const timer = setTimeout(() => {
          done();
          rejectWait(
            new Error(`stdout did not match ${pattern} within ${timeoutMs} ms: ${stdout}`),
          );
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          stdoutWaiters.delete(check);
        };
        stdoutWaiters.add(check);
        check();
      });
    },
    exit,
    async exited(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`process did not exit within ${timeoutMs} ms; stderr: ${stderr}`));
        }, timeoutMs);
      });
      try {
        return await Promise.race([closed, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    async kill() {
      if (!running()) return;
      child.kill('SIGKILL');
      await closed;
    },
  };
  return handle;
}

/** Runs a command to its end (bounded) and returns what it printed. */
export async function runToEnd(
  args: string[],
  settings: Record<string, string>,
  timeoutMs: number,
  command = process.execPath,
): Promise<Exit & { stdout: string; stderr: string }> {
  const handle = startChild(args, settings, command);
  const exit = await handle.exited(timeoutMs);
  return { ...exit, stdout: handle.stdout(), stderr: handle.stderr() };
}

/** `node --import tsx <script>` arguments for a TypeScript entry point of this repository. */
export const tsxArgs = (script: string, ...rest: string[]) => ['--import', 'tsx', script, ...rest];

export interface RunningService extends ChildHandle {
  port: number;
  baseUrl: string;
}

/**
 * Starts `server/index.ts` (or another entry point, such as `server/cluster.ts`) on a free port
 * of 127.0.0.1 and waits until /health/ answers 200.
 */
export async function startService(
  settings: Record<string, string>,
  startTimeoutMs = 30_000,
  entry = 'server/index.ts',
): Promise<RunningService> {
  const port = await freePort();
  const handle = startChild(tsxArgs(entry), {
    HOST: '127.0.0.1',
    PORT: String(port),
    ...settings,
  });
  const service: RunningService = { ...handle, port, baseUrl: `http://127.0.0.1:${port}` };
  try {
    await waitForHealthy(service, startTimeoutMs);
  } catch (error) {
    await handle.kill();
    throw error;
  }
  return service;
}

async function waitForHealthy(service: RunningService, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void service.exit.then(() => (exited = true));
  while (Date.now() < deadline) {
    if (exited) {
      throw new Error(`service exited before it was healthy; stderr: ${service.stderr()}`);
    }
    try {
      const response = await fetch(`${service.baseUrl}/health/`, {
        signal: AbortSignal.timeout(3000),
      });
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, 150));
  }
  throw new Error(
    `service not healthy within ${timeoutMs} ms; stdout: ${service.stdout()} stderr: ${service.stderr()}`,
  );
}
