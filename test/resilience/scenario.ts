/**
 * One resilience scenario's world: a PostgreSQL database of its own (reached through a TCP
 * proxy the test can cut), a redis-server of its own, the real service as a process, and the
 * load generator as another process. `load()` runs the load for a while and hands back every
 * answer and every acknowledged write; `checkAcknowledged()` holds them against the database.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { withAdminClient } from '../helpers/environment.js';
import { TEST_DATABASE } from '../helpers/run-id.js';
import {
  startChild,
  startService,
  tsxArgs,
  type RunningService,
} from '../helpers/spawn-service.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import type { Ack, Answer, LoadOptions } from './load-generator.js';
import { startOwnRedis, type OwnRedis } from '../helpers/redis-server.js';

// The local PostgreSQL, as test:deploy uses it: the scenarios need a server they may add databases to.
const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432';
export const REDIS_COMMAND_TIMEOUT_MS = 500;
/** No answer may take longer than this, whatever is down. */
export const HANG_BOUND_MS = 5000;

export interface Scenario {
  service: RunningService;
  redis: OwnRedis;
  postgres: TcpProxy;
  /** Straight to the scenario's database (not through the proxy), for the checks. */
  query<T extends pg.QueryResultRow>(sql: string, values?: unknown[]): Promise<T[]>;
  settings: Record<string, string>;
  /** Starts the load; resolves with what it recorded once it has run `durationMs`. */
  load(durationMs: number, overrides?: Partial<LoadOptions>): Promise<Recorded>;
  restartService(): Promise<void>;
  /** The service's resident set in MB, from /proc (Linux). */
  residentMb(): number;
  /** What every process of the service printed, the ones restarted away included. */
  allStdout(): string;
  close(): Promise<void>;
}

export interface Recorded {
  answers: Answer[];
  acks: Ack[];
}

const admin = <T>(work: (client: pg.Client) => Promise<T>) => withAdminClient(ADMIN_URL, work);

/** Settings that keep the load from being refused for reasons the scenario is not about. */
export const LOAD_SETTINGS: Record<string, string> = {
  SCRYPT_LOG_N: '10',
  RATE_LIMIT_LOGIN_IP: '1000000/60',
  RATE_LIMIT_REGISTER_IP: '1000000/60',
  RATE_LIMIT_REFRESH_IP: '1000000/60',
  RATE_LIMIT_PASSWORD_CHECK_IP: '1000000/60',
  RATE_LIMIT_PASSWORD_CHECK_ACCOUNT: '1000000/60',
  RATE_LIMIT_PASSWORD_RESET_IP: '1000000/60',
  RATE_LIMIT_VERIFY_IP: '1000000/60',
  EMAIL_BACKEND: 'console',
  // A worker killed between claiming a message and recording it sent holds the claim this long;
  // the crash scenario waits for the restarted worker to take such a message over.
  EMAIL_OUTBOX_LEASE_MS: '3000',
  LOG_LEVEL: 'info',
};

export async function startScenario(name: string, extra: Record<string, string> = {}) {
  const database = `${TEST_DATABASE}_${name}`;
  await admin(async (client) => {
    await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await client.query(`CREATE DATABASE "${database}"`);
  });
  const direct = new pg.Pool({ connectionString: `${ADMIN_URL}/${database}`, max: 2 });
  // A scenario may terminate every backend of its database, this pool's idle ones included.
  direct.on('error', () => undefined);
  const adminPort = Number(new URL(ADMIN_URL).port || 5432);
  const postgres = await startTcpProxy(adminPort, new URL(ADMIN_URL).hostname);
  const redis = await startOwnRedis();
  const settings: Record<string, string> = {
    SECRET_KEY: randomBytes(48).toString('base64url'),
    DATABASE_URL: `postgres://postgres@${postgres.address}/${database}`,
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: `resilience:${name}:`,
    REDIS_COMMAND_TIMEOUT_MS: String(REDIS_COMMAND_TIMEOUT_MS),
    DB_STATEMENT_TIMEOUT_MS: '2000',
    MIGRATE_ON_START: 'true',
    ...LOAD_SETTINGS,
    ...extra,
  };
  const dir = mkdtempSync(join(tmpdir(), `resilience-${name}-`));
  let service = await startService(settings, 60_000);
  let earlierStdout = '';

  const scenario: Scenario = {
    get service() {
      return service;
    },
    redis,
    postgres,
    settings,
    async query<T extends pg.QueryResultRow>(sql: string, values?: unknown[]) {
      return (await direct.query<T>(sql, values)).rows;
    },
    async load(durationMs, overrides = {}) {
      const output = join(dir, `load-${Date.now()}.jsonl`);
      const options: LoadOptions = {
        baseUrl: service.baseUrl,
        durationMs,
        workers: 6,
        pauseMs: 20,
        hangMs: HANG_BOUND_MS * 3,
        output,
        ...overrides,
      };
      const child = startChild(
        tsxArgs('test/resilience/load-generator.ts', JSON.stringify(options)),
        {},
      );
      const exit = await child.exited(durationMs + options.hangMs + 30_000);
      if (exit.code !== 0) throw new Error(`load generator failed: ${child.stderr()}`);
      const recorded: Recorded = { answers: [], acks: [] };
      for (const line of readFileSync(output, 'utf8').split('\n')) {
        if (!line) continue;
        const entry = JSON.parse(line) as Answer | Ack;
        if ('ack' in entry) recorded.acks.push(entry);
        else recorded.answers.push(entry);
      }
      return recorded;
    },
    allStdout: () => earlierStdout + service.stdout(),
    residentMb() {
      const status = readFileSync(`/proc/${service.child.pid}/status`, 'utf8');
      return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
    },
    async restartService() {
      await service.kill();
      earlierStdout += service.stdout();
      service = await startService(settings, 60_000);
    },
    async close() {
      await service.kill();
      await redis.close();
      await postgres.close();
      await direct.end();
      rmSync(dir, { recursive: true, force: true });
      await admin((client) => client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
    },
  };
  return scenario;
}
