/**
 * The SDK as a frontend gets it: build, `npm pack`, install the tarball (and its pinned peers
 * from the registry) into a fresh project outside the repository, check that the tarball and
 * its declaration file hold no server code, type-check a consumer (correct calls compile, wrong
 * ones are caught by `@ts-expect-error`), then run that consumer, as an ES module and through
 * `require`, against a real server.
 *
 *   npm run test:sdk-pack
 *
 * The server runs on a fresh PostgreSQL database (named after the run, created and dropped
 * on the local server) unless SDK_PACK_DATABASE_URL names one, and on Redis at
 * SDK_PACK_REDIS_URL (default: database TEST_REDIS_DB, else 15, on the local Redis, under the run's key prefix).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { TEST_DATABASE, TEST_KEY_PREFIX } from '../test/helpers/run-id.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const FIXTURE = join(ROOT, 'test/sdk/consumer');
/** What the consumer installs beside the tarball, pinned like the repository's own. */
const PEERS = [
  '@trpc/client@11.25.2',
  '@trpc/server@11.25.2',
  'typescript@5.9.3',
  'react@19.3.1',
  '@types/react@19.3.3',
];
const PACKAGE_FILES = [
  'package.json',
  'README.md',
  'CHANGELOG.md',
  'dist/index.js',
  'dist/index.cjs',
  'dist/index.d.ts',
  'dist/index.d.cts',
  'dist/react.js',
  'dist/react.cjs',
  'dist/react.d.ts',
  'dist/react.d.cts',
];
/** The React example: the example app's page, which the SDK README must show word for word. */
const REACT_EXAMPLE = join(ROOT, 'examples/react-app/src/App.tsx');
const SDK_README = join(ROOT, 'client-sdk/README.md');
/** Words that would mean server code or server types reached the package. */
const FORBIDDEN = /sequelize|redis|koa|(?<!@trpc\/)server\//i;
const started = Date.now();

function log(message: string) {
  process.stdout.write(`[sdk-pack ${((Date.now() - started) / 1000).toFixed(1)}s] ${message}\n`);
}

function fail(message: string): never {
  throw new Error(message);
}

interface RunResult {
  code: number | null;
  stdout: string;
  /** stdout and stderr interleaved, for messages. */
  output: string;
}

/** Runs a command to completion, bounded by `timeoutMs`; rejects when it fails. */
function run(
  command: string,
  args: string[],
  options: { cwd: string; timeoutMs: number; env?: NodeJS.ProcessEnv; allowFailure?: boolean },
): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let stdout = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      output += chunk;
    });
    child.stderr.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(
          `${command} ${args.join(' ')} timed out after ${options.timeoutMs} ms\n${output}`,
        ),
      );
    }, options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      if (code !== 0 && !options.allowFailure) {
        reject(new Error(`${command} ${args.join(' ')} exited with ${code}\n${output}`));
      } else {
        resolvePromise({ code, stdout, output });
      }
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePromise(port));
    });
  });
}

const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432';
// Named after this run (test/helpers/run-id.ts), so runs on one machine never share it.
const PACK_DATABASE = `${TEST_DATABASE}_sdk_pack`;

async function dropPackDatabase() {
  const client = new pg.Client({ connectionString: `${ADMIN_URL}/postgres` });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${PACK_DATABASE}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

async function freshDatabase(): Promise<string> {
  if (process.env.SDK_PACK_DATABASE_URL) return process.env.SDK_PACK_DATABASE_URL;
  const admin = ADMIN_URL;
  const name = PACK_DATABASE;
  const client = new pg.Client({
    connectionString: `${admin}/postgres`,
    connectionTimeoutMillis: 5000,
  });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  return `${admin}/${name}`;
}

/** The packed file list must be exactly the build and the docs: no source, no server. */
function checkFileList(files: string[]) {
  const unexpected = files.filter((file) => !PACKAGE_FILES.includes(file));
  if (unexpected.length) fail(`the tarball holds unexpected files: ${unexpected.join(', ')}`);
  const missing = PACKAGE_FILES.filter((file) => !files.includes(file));
  if (missing.length) fail(`the tarball lacks: ${missing.join(', ')}`);
}

/** The README's React example is the example app's page, so what compiles is what it shows. */
async function checkReadmeExample() {
  const readme = await readFile(SDK_README, 'utf8');
  const example = (await readFile(REACT_EXAMPLE, 'utf8')).trim();
  const blocks = [...readme.matchAll(/```tsx\n([\s\S]*?)```/g)].map((match) => match[1]!.trim());
  if (!blocks.includes(example)) {
    fail('client-sdk/README.md has no tsx block equal to examples/react-app/src/App.tsx');
  }
}

/** Every shipped file is free of server names; the declarations import only tRPC (and React). */
async function checkInstalledPackage(packageDir: string) {
  for (const file of PACKAGE_FILES.filter((name) => name.startsWith('dist/'))) {
    const text = await readFile(join(packageDir, file), 'utf8');
    const lines = text.split('\n');
    const hits = lines
      .map((line, index) => ({ line, number: index + 1 }))
      .filter(({ line }) => FORBIDDEN.test(line));
    if (hits.length) {
      fail(
        `${file} names server code (comments count: server comments ship in the declarations):\n` +
          hits.map(({ line, number }) => `  ${number}: ${line.trim()}`).join('\n'),
      );
    }
    if (file.endsWith('.d.ts') || file.endsWith('.d.cts')) {
      const specifiers = [...text.matchAll(/\bfrom\s+['"]([^'"]+)['"]|import\(['"]([^'"]+)['"]\)/g)]
        .map((match) => match[1] ?? match[2] ?? '')
        .filter(Boolean);
      const foreign = specifiers.filter(
        (specifier) =>
          !/^(@trpc\/(client|server)|react|@auth-service\/client)(\/|$)/.test(specifier),
      );
      if (foreign.length)
        fail(`${file} imports more than tRPC: ${[...new Set(foreign)].join(', ')}`);
    }
    if (/\bappRouter\b|\binitTRPC\b|ERROR_CATALOGUE/.test(text) && !file.includes('.d.')) {
      fail(`${file} carries server runtime code`);
    }
  }
}

function startServer(
  port: number,
  databaseUrl: string,
): { child: ChildProcess; output: () => string } {
  const redisUrl =
    process.env.SDK_PACK_REDIS_URL ?? `redis://127.0.0.1:6379/${process.env.TEST_REDIS_DB ?? '15'}`;
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/index.ts'], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: `${TEST_KEY_PREFIX}sdk-pack:`,
      MIGRATE_ON_START: 'true',
      SECRET_KEY: 'sdk-pack-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz',
      SCRYPT_LOG_N: '10',
      EMAIL_BACKEND: 'console',
      RATE_LIMIT_ENABLED: 'false',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  return { child, output: () => output };
}

async function waitForHealth(port: number, child: ChildProcess, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) fail(`the server exited with ${child.exitCode}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/health/`, {
        signal: AbortSignal.timeout(2000),
      });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 250));
  }
  fail(`the server did not become healthy within ${timeoutMs} ms`);
}

async function stopServer(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolvePromise) => child.once('exit', resolvePromise));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

async function main() {
  const workspace = await mkdtemp(join(tmpdir(), 'auth-sdk-pack-'));
  let server: ReturnType<typeof startServer> | undefined;
  const cleanUp = async () => {
    if (server) await stopServer(server.child);
    await rm(workspace, { recursive: true, force: true });
    if (!process.env.SDK_PACK_DATABASE_URL) await dropPackDatabase().catch(() => undefined);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    void cleanUp().finally(() => process.kill(process.pid, signal));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    log('building the SDK');
    await run('npm', ['run', 'build', '-w', 'client-sdk'], { cwd: ROOT, timeoutMs: 300_000 });

    log('packing');
    const packDir = join(workspace, 'pack');
    await mkdir(packDir);
    const packed = await run(
      'npm',
      ['pack', '--json', '--ignore-scripts', '--pack-destination', packDir, '-w', 'client-sdk'],
      { cwd: ROOT, timeoutMs: 60_000 },
    );
    const [manifest] = JSON.parse(packed.stdout) as Array<{
      filename: string;
      files: Array<{ path: string }>;
    }>;
    if (!manifest) fail('npm pack reported nothing');
    checkFileList(manifest.files.map((file) => file.path));
    const tarball = join(packDir, manifest.filename.replace(/^@/, '').replace(/\//, '-'));
    const tarballs = await readdir(packDir);
    if (!tarballs.includes(tarball.slice(packDir.length + 1))) {
      fail(`tarball not found: ${tarball} (have ${tarballs.join(', ')})`);
    }

    log(`installing the tarball and ${PEERS.join(' ')} into a fresh project`);
    const project = join(workspace, 'consumer');
    await mkdir(project);
    await writeFile(
      join(project, 'package.json'),
      JSON.stringify({ name: 'sdk-consumer', private: true, type: 'module' }, null, 2),
    );
    await run(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--no-package-lock',
        '--loglevel=error',
        tarball,
        ...PEERS,
      ],
      { cwd: project, timeoutMs: 120_000 },
    );
    const packageDir = join(project, 'node_modules/@auth-service/client');
    checkFileList(
      (await readdir(packageDir, { recursive: true, withFileTypes: true }))
        .filter((entry) => entry.isFile())
        .map((entry) => join(entry.parentPath, entry.name).slice(packageDir.length + 1)),
    );
    await checkInstalledPackage(packageDir);

    log("type-checking the consumer and the README's React example (tsc --noEmit)");
    for (const file of ['consumer.ts', 'consumer.cts', 'tsconfig.json']) {
      await cp(join(FIXTURE, file), join(project, file));
    }
    await checkReadmeExample();
    await cp(REACT_EXAMPLE, join(project, 'react-example.tsx'));
    const tsc = join(project, 'node_modules/typescript/bin/tsc');
    await run(process.execPath, [tsc, '-p', 'tsconfig.json', '--noEmit'], {
      cwd: project,
      timeoutMs: 60_000,
    });
    await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: project, timeoutMs: 60_000 });

    log('starting the server');
    const port = await freePort();
    server = startServer(port, await freshDatabase());
    try {
      await waitForHealth(port, server.child, 60_000);
    } catch (error) {
      fail(`${(error as Error).message}\n${server.output()}`);
    }

    const env = { AUTH_URL: `http://127.0.0.1:${port}/trpc` };
    for (const entry of ['out/consumer.js', 'out/consumer.cjs']) {
      log(`running ${entry}`);
      const result = await run(process.execPath, [entry], { cwd: project, env, timeoutMs: 60_000 });
      process.stdout.write(result.stdout);
    }
    log('ok');
  } finally {
    await cleanUp();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

main().catch((error: Error) => {
  process.stderr.write(`sdk-pack-test failed: ${error.message}\n`);
  process.exitCode = 1;
});
