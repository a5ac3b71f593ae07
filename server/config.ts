/**
 * The only module that reads environment variable names.
 *
 * Names follow the original Django service (SECRET_KEY, DB_*, EMAIL_*, ...) so its users can
 * reuse their `.env`. Everything is validated once, at start-up, by one zod schema and the rules
 * across variables; the process stops with one message naming every bad variable, one a line
 * (see `ConfigError`), so one restart fixes them all. Production refuses what is unsafe there.
 */
import { existsSync, readFileSync } from 'node:fs';
import { BlockList, isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { parse as parseDotenv } from 'dotenv';
import { z } from 'zod';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const booleanFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off', 'True', 'False'])
  .transform((value) => ['true', '1', 'yes', 'on', 'True'].includes(value));

const integer = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce
    .number({ error: 'expected a whole number' })
    .int({ error: 'expected a whole number' })
    .min(min, { error: `must be at least ${min}` })
    .max(max, { error: `must be at most ${max}` });

const commaList = z.string().transform((value) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean),
);

const url = (protocols: RegExp, hint: string) =>
  z.string().refine((value) => {
    try {
      return protocols.test(new URL(value).protocol);
    } catch {
      return false;
    }
  }, `expected a ${hint} URL`);

/** TRUST_PROXY is a hop count ("1") or a list of trusted proxy addresses/CIDRs. */
const trustProxy = z.string().transform((value, context) => {
  const trimmed = value.trim();
  if (trimmed === '' || trimmed === 'false' || trimmed === '0') return 0;
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const list = trimmed
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  const cidr = /^[0-9a-fA-F:.]+(\/\d{1,3})?$|^(loopback|linklocal|uniquelocal)$/;
  const bad = list.find((item) => !cidr.test(item));
  if (bad) {
    context.addIssue({ code: 'custom', message: `"${bad}" is neither a hop count nor an IP/CIDR` });
    return z.NEVER;
  }
  return list;
});

/** A rate limit as "<requests>/<seconds>", e.g. "30/300": 30 requests per 5 minutes. */
const rateLimitRule = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, context) => {
      const match = /^\s*(\d{1,7})\s*\/\s*(\d{1,7})\s*$/.exec(value);
      const [points, durationSeconds] = match ? [Number(match[1]), Number(match[2])] : [0, 0];
      if (points < 1 || durationSeconds < 1 || durationSeconds > 7 * 24 * 3600) {
        context.addIssue({
          code: 'custom',
          message:
            'expected "<requests>/<seconds>" with both at least 1 and at most a week, e.g. "30/300"',
        });
        return z.NEVER;
      }
      return { points, durationSeconds };
    });

const environmentSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  ALLOW_INSECURE_PRODUCTION: booleanFromEnv.default(false),
  SECRET_KEY: z.string().optional(),
  DEBUG: booleanFromEnv.optional(),
  ALLOWED_HOSTS: commaList.default(['*']),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: integer(0, 65535).default(8000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  CORS_ALLOWED_ORIGINS: commaList.default([]),
  TRUST_PROXY: trustProxy.default(0),
  BODY_LIMIT_BYTES: integer(1024).default(1024 * 1024),
  TRPC_MAX_BATCH_SIZE: integer(1, 100).default(10),
  SHUTDOWN_TIMEOUT_SECONDS: integer(1, 600).default(10),
  SHUTDOWN_DELAY_SECONDS: integer(0, 300).optional(),
  // Slow clients (see server/http/server.ts): the time to send the headers, the whole request,
  // and the open connections one process holds.
  HTTP_HEADERS_TIMEOUT_MS: integer(100, 600_000).default(5000),
  HTTP_REQUEST_TIMEOUT_MS: integer(100, 3_600_000).default(30_000),
  HTTP_MAX_CONNECTIONS: integer(1, 1_000_000).default(4096),

  DATABASE_URL: url(/^postgres(ql)?:$/, 'postgres://').optional(),
  DB_NAME: z.string().min(1).optional(),
  DB_USER: z.string().min(1).optional(),
  DB_PASSWORD: z.string().optional(),
  DB_HOST: z.string().min(1).optional(),
  DB_PORT: integer(1, 65535).optional(),
  DB_POOL_MAX: integer(1, 500).default(10),
  DB_POOL_MIN: integer(0, 500).default(0),
  DB_STATEMENT_TIMEOUT_MS: integer(100, 600_000).default(10_000),
  DB_SSL: booleanFromEnv.default(false),
  EMBEDDED_DATA_DIR: z.string().min(1).default('.data'),
  MIGRATE_ON_START: booleanFromEnv.optional(),

  REDIS_URL: url(/^rediss?:$/, 'redis://').optional(),
  REDIS_KEY_PREFIX: z.string().default('auth:'),
  REDIS_COMMAND_TIMEOUT_MS: integer(10, 60_000).default(1000),

  JWT_ACCESS_TOKEN_LIFETIME: integer(1, 24 * 60).default(15),
  JWT_REFRESH_TOKEN_LIFETIME: integer(1, 365).default(7),
  JWT_ISSUER: z.string().min(1).default('auth-service'),
  JWT_AUDIENCE: z.string().min(1).default('auth-service'),
  REFRESH_REUSE_GRACE_SECONDS: integer(0, 300).default(10),
  SESSION_MAX_AGE_DAYS: integer(1, 3650).default(30),
  SESSION_IDLE_DAYS: integer(1, 3650).optional(),

  PASSWORD_MIN_LENGTH: integer(8, 128).default(8),
  PASSWORD_RESET_TIMEOUT: integer(60, 7 * 24 * 3600).default(3600),
  SCRYPT_LOG_N: integer(10, 22).default(16),
  SCRYPT_R: integer(1, 32).default(8),
  SCRYPT_P: integer(1, 16).default(2),
  HASH_CONCURRENCY: integer(1, 64).default(availableParallelism()),
  HASH_QUEUE_LIMIT: integer(0, 100_000).optional(),
  HASH_REFUSAL_DELAY_MS: integer(0, 5000).default(500),

  EMAIL_HOST: z.string().min(1).optional(),
  EMAIL_PORT: integer(1, 65535).default(587),
  EMAIL_HOST_USER: z.string().optional(),
  EMAIL_HOST_PASSWORD: z.string().optional(),
  EMAIL_USE_TLS: booleanFromEnv.default(true),
  DEFAULT_FROM_EMAIL: z.string().min(3).default('Auth Service <noreply@example.com>'),
  FRONTEND_URL: url(/^https?:$/, 'http(s)://').default('http://localhost:3000'),
  APP_NAME: z.string().min(1).default('Auth Service'),
  SUPPORT_EMAIL: z.email({ error: 'expected an email address' }).default('support@example.com'),

  // Email delivery (see docs/email.md): the transport, the outbox worker, verification.
  EMAIL_BACKEND: z.enum(['auto', 'sendgrid', 'smtp', 'console']).default('auto'),
  SENDGRID_API_KEY: z.string().min(1).optional(),
  SENDGRID_API_URL: url(/^https?:$/, 'http(s)://').optional(),
  SENDGRID_SANDBOX_MODE: booleanFromEnv.default(false),
  EMAIL_SEND_TIMEOUT_MS: integer(100, 120_000).default(15_000),
  TEMPLATES_DIR: z.string().min(1).default('templates/email'),
  ADMIN_CONSOLE_DIR: z.string().min(1).default('admin-console/dist'),
  EMAIL_OUTBOX_WORKER: booleanFromEnv.default(true),
  EMAIL_OUTBOX_POLL_MS: integer(50, 600_000).default(1000),
  EMAIL_OUTBOX_BATCH_SIZE: integer(1, 1000).default(10),
  EMAIL_OUTBOX_MAX_ATTEMPTS: integer(1, 100).default(10),
  EMAIL_OUTBOX_BACKOFF_BASE_MS: integer(10, 3_600_000).default(5000),
  EMAIL_OUTBOX_BACKOFF_MAX_MS: integer(10, 24 * 3_600_000).default(3_600_000),
  EMAIL_OUTBOX_LEASE_MS: integer(1000, 3_600_000).default(120_000),
  EMAIL_OUTBOX_RETENTION_DAYS: integer(0, 3650).default(7),
  EMAIL_VERIFICATION_TIMEOUT: integer(60, 30 * 24 * 3600).default(3 * 24 * 3600),
  REQUIRE_EMAIL_VERIFICATION: booleanFromEnv.default(false),
  VERIFICATION_RESEND_LIMIT: integer(1, 1000).default(3),
  VERIFICATION_RESEND_WINDOW: integer(1, 7 * 24 * 3600).default(3600),

  // Rate limits (see docs/rate-limits.md): per client IP, and per account where noted.
  RATE_LIMIT_ENABLED: booleanFromEnv.default(true),
  RATE_LIMIT_LOGIN_IP: rateLimitRule('30/300'),
  RATE_LIMIT_REGISTER_IP: rateLimitRule('20/3600'),
  RATE_LIMIT_PASSWORD_RESET_IP: rateLimitRule('10/900'),
  RATE_LIMIT_PASSWORD_RESET_ACCOUNT: rateLimitRule('3/3600'),
  RATE_LIMIT_REFRESH_IP: rateLimitRule('150/300'),
  RATE_LIMIT_VERIFY_IP: rateLimitRule('30/300'),
  // Procedures that check a password other than login (change-password, and confirmations).
  RATE_LIMIT_PASSWORD_CHECK_IP: rateLimitRule('30/300'),
  RATE_LIMIT_PASSWORD_CHECK_ACCOUNT: rateLimitRule('10/300'),
  RATE_LIMIT_LOGIN_ACCOUNT_FAILURES: integer(1, 1000).default(10),
  RATE_LIMIT_LOGIN_ACCOUNT_WINDOW: integer(1, 7 * 24 * 3600).default(900),
  RATE_LIMIT_LOGIN_ACCOUNT_MAX_LOCK: integer(1, 30 * 24 * 3600).default(24 * 3600),
});

type Environment = z.infer<typeof environmentSchema>;

interface DatabasePoolConfig {
  poolMax: number;
  poolMin: number;
  /** Server-side statement_timeout; the client gives up on a silent connection soon after. */
  statementTimeoutMs: number;
}

export type DatabaseConfig =
  | ({ kind: 'external'; url: string; ssl: boolean } & DatabasePoolConfig)
  | ({ kind: 'embedded'; dataDir: string } & DatabasePoolConfig);

export interface Config {
  env: 'development' | 'production' | 'test';
  debug: boolean;
  secretKey: string;
  /** True when SECRET_KEY was absent and a random per-process key is used (development only). */
  secretKeyIsEphemeral: boolean;
  /**
   * The production rules ALLOW_INSECURE_PRODUCTION=true let through, one sentence each; the
   * process logs every one as a warning at start. Empty outside production.
   */
  insecureProductionWarnings: string[];
  http: {
    host: string;
    port: number;
    allowedHosts: string[];
    corsAllowedOrigins: string[];
    trustProxy: number | string[];
    bodyLimitBytes: number;
    /** The most calls one tRPC batch may hold; a longer batch is refused whole. */
    trpcMaxBatchSize: number;
    shutdownTimeoutMs: number;
    /** After SIGTERM, how long readiness fails while the listener still accepts. */
    shutdownDelayMs: number;
    headersTimeoutMs: number;
    requestTimeoutMs: number;
    maxConnections: number;
    /** The admin console's build (`npm run build`), served at /admin/. */
    adminConsoleDir: string;
  };
  logLevel: string;
  database: DatabaseConfig;
  migrateOnStart: boolean;
  redis: { url: string; keyPrefix: string; commandTimeoutMs: number } | null;
  jwt: {
    accessTokenLifetimeSeconds: number;
    refreshTokenLifetimeSeconds: number;
    issuer: string;
    audience: string;
    refreshReuseGraceSeconds: number;
  };
  /** How long one login lasts (see server/services/session-lifetime.ts). */
  sessions: {
    /** From the login, however often the session refreshes. */
    maxAgeSeconds: number;
    /** Without a refresh; never more than maxAgeSeconds. */
    idleSeconds: number;
  };
  passwords: {
    minLength: number;
    resetTimeoutSeconds: number;
    scrypt: { logN: number; r: number; p: number };
    hashConcurrency: number;
    hashQueueLimit: number;
    /** How long a login refused for a full hash queue waits before its 503. */
    hashRefusalDelayMs: number;
  };
  email: {
    host: string | undefined;
    port: number;
    user: string | undefined;
    password: string | undefined;
    useTls: boolean;
    defaultFrom: string;
    /** The transport, resolved from EMAIL_BACKEND (`auto` picks by what is configured). */
    backend: 'sendgrid' | 'smtp' | 'console';
    sendgrid: { apiKey: string; apiUrl: string | undefined; sandboxMode: boolean } | null;
    sendTimeoutMs: number;
    templatesDir: string;
    outbox: {
      /** Whether this process runs the delivery worker (every instance may; they never collide). */
      worker: boolean;
      pollMs: number;
      batchSize: number;
      maxAttempts: number;
      backoffBaseMs: number;
      backoffMaxMs: number;
      leaseMs: number;
      /** Sent messages are deleted after this many days; 0 keeps them. */
      retentionDays: number;
    };
  };
  emailVerification: {
    timeoutSeconds: number;
    required: boolean;
    resendLimit: number;
    resendWindowSeconds: number;
  };
  rateLimits: {
    enabled: boolean;
    limits: Record<
      | 'loginIp'
      | 'registerIp'
      | 'passwordResetIp'
      | 'passwordResetAccount'
      | 'refreshIp'
      | 'verifyIp'
      | 'passwordCheckIp'
      | 'passwordCheckAccount',
      { points: number; durationSeconds: number }
    >;
    loginLockout: { failures: number; windowSeconds: number; maxLockSeconds: number };
  };
  frontendUrl: string;
  appName: string;
  supportEmail: string;
}

const MIN_SECRET_BYTES = 32;
const PLACEHOLDER_SECRET =
  /change[-_ ]?me|changeme|insecure|placeholder|example|your[-_ ]?secret|secret[-_ ]?key|^secret$|django|dev[-_]?key|^test/i;

/** Why a SECRET_KEY is unfit for production, or null when it is fine. */
export function weakSecretReason(secret: string | undefined): string | null {
  if (!secret) return 'is required in production';
  if (Buffer.byteLength(secret, 'utf8') < MIN_SECRET_BYTES)
    return `must be at least ${MIN_SECRET_BYTES} bytes in production`;
  if (PLACEHOLDER_SECRET.test(secret)) return 'looks like a default or placeholder value';
  if (new Set(secret).size < 10) return 'has too little variety to be a random key';
  return null;
}

function describeIssue(issue: z.core.$ZodIssue, source: Record<string, string | undefined>) {
  const name = String(issue.path[0] ?? 'environment');
  const value = source[name];
  const shown =
    value === undefined || /SECRET|PASSWORD|API_KEY/.test(name) ? '' : ` (got "${value}")`;
  return `${name}: ${issue.message}${shown}`;
}

function databaseFrom(environment: Environment): DatabaseConfig {
  const pool = {
    poolMax: environment.DB_POOL_MAX,
    poolMin: environment.DB_POOL_MIN,
    statementTimeoutMs: environment.DB_STATEMENT_TIMEOUT_MS,
  };
  if (environment.DATABASE_URL) {
    return { kind: 'external', url: environment.DATABASE_URL, ssl: environment.DB_SSL, ...pool };
  }
  if (environment.DB_NAME || environment.DB_HOST) {
    const user = encodeURIComponent(environment.DB_USER ?? 'postgres');
    const password = environment.DB_PASSWORD
      ? `:${encodeURIComponent(environment.DB_PASSWORD)}`
      : '';
    const host = environment.DB_HOST ?? '127.0.0.1';
    const port = environment.DB_PORT ?? 5432;
    const name = encodeURIComponent(environment.DB_NAME ?? 'auth_service');
    const url = `postgres://${user}${password}@${host}:${port}/${name}`;
    return { kind: 'external', url, ssl: environment.DB_SSL, ...pool };
  }
  return { kind: 'embedded', dataDir: environment.EMBEDDED_DATA_DIR, ...pool };
}

/** EMAIL_BACKEND=auto: SendGrid when it has a key, SMTP when it has a host, else the console. */
function emailBackendFrom(environment: Environment): Config['email']['backend'] {
  const wanted = environment.EMAIL_BACKEND;
  if (wanted !== 'auto') return wanted;
  if (environment.SENDGRID_API_KEY) return 'sendgrid';
  return environment.EMAIL_HOST ? 'smtp' : 'console';
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('0.0.0.0', 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');
LOOPBACK.addAddress('::', 'ipv6');

/** The URL's host is this machine: localhost, 127.0.0.0/8, ::1 (also IPv4-mapped), 0.0.0.0. */
export function isLoopbackUrl(value: string): boolean {
  const host = new URL(value).hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  const family = isIP(host);
  return family !== 0 && LOOPBACK.check(host, family === 4 ? 'ipv4' : 'ipv6');
}

/** One configuration problem, named after the variable to change. */
interface Problem {
  variable: string;
  message: string;
}

/**
 * The rules across variables. In production, what would be unsafe there is a problem, except
 * that ALLOW_INSECURE_PRODUCTION=true turns the relaxable ones (a Host check that admits any
 * host, links that point at this machine) into warnings, for a demo. Never relaxed: a weak or
 * missing SECRET_KEY, the embedded database, no Redis, and mail to the console unless
 * EMAIL_BACKEND=console says so (a reset link in the log lets anyone who reads it in).
 */
function crossVariableRules(
  environment: Environment,
  database: DatabaseConfig,
  emailBackend: Config['email']['backend'],
): { problems: Problem[]; warnings: string[] } {
  const problems: Problem[] = [];
  const warnings: string[] = [];
  const refuse = (variable: string, message: string) => problems.push({ variable, message });
  const relaxable = (variable: string, message: string) =>
    environment.ALLOW_INSECURE_PRODUCTION ? warnings.push(message) : refuse(variable, message);

  if (environment.NODE_ENV === 'production') {
    const reason = weakSecretReason(environment.SECRET_KEY);
    if (reason) refuse('SECRET_KEY', `SECRET_KEY ${reason}`);
    if (database.kind === 'embedded')
      refuse(
        'DATABASE_URL',
        'DATABASE_URL (or DB_NAME/DB_HOST) is required in production; the embedded database is for development only',
      );
    if (!environment.REDIS_URL) refuse('REDIS_URL', 'REDIS_URL is required in production');
    if (emailBackend === 'console' && environment.EMAIL_BACKEND !== 'console')
      refuse(
        'EMAIL_BACKEND',
        'EMAIL_BACKEND is auto and no mail provider is set (SENDGRID_API_KEY or EMAIL_HOST), so mail would go to the log with live reset and verification links; set a provider, or EMAIL_BACKEND=console to accept that',
      );
    if (environment.ALLOWED_HOSTS.includes('*'))
      relaxable(
        'ALLOWED_HOSTS',
        'ALLOWED_HOSTS is * (the default), so any Host header is accepted; list the host names this service answers for (e.g. ALLOWED_HOSTS=auth.example.com)',
      );
    if (isLoopbackUrl(environment.FRONTEND_URL))
      relaxable(
        'FRONTEND_URL',
        `FRONTEND_URL (${environment.FRONTEND_URL}) points at this machine, so the links in mails work for nobody else; set the address users open (e.g. https://app.example.com)`,
      );
  }
  if (environment.EMAIL_BACKEND === 'sendgrid' && !environment.SENDGRID_API_KEY)
    refuse('EMAIL_BACKEND', 'EMAIL_BACKEND=sendgrid needs SENDGRID_API_KEY');
  if (environment.EMAIL_BACKEND === 'smtp' && !environment.EMAIL_HOST)
    refuse('EMAIL_BACKEND', 'EMAIL_BACKEND=smtp needs EMAIL_HOST');
  if (environment.DB_POOL_MIN > environment.DB_POOL_MAX)
    refuse('DB_POOL_MIN', 'DB_POOL_MIN must not exceed DB_POOL_MAX');
  if (environment.HTTP_HEADERS_TIMEOUT_MS > environment.HTTP_REQUEST_TIMEOUT_MS)
    refuse(
      'HTTP_HEADERS_TIMEOUT_MS',
      'HTTP_HEADERS_TIMEOUT_MS must not exceed HTTP_REQUEST_TIMEOUT_MS',
    );
  if (environment.RATE_LIMIT_LOGIN_ACCOUNT_MAX_LOCK < environment.RATE_LIMIT_LOGIN_ACCOUNT_WINDOW)
    refuse(
      'RATE_LIMIT_LOGIN_ACCOUNT_MAX_LOCK',
      'RATE_LIMIT_LOGIN_ACCOUNT_MAX_LOCK must be at least RATE_LIMIT_LOGIN_ACCOUNT_WINDOW',
    );
  if (
    environment.SESSION_IDLE_DAYS !== undefined &&
    environment.SESSION_IDLE_DAYS > environment.SESSION_MAX_AGE_DAYS
  )
    refuse(
      'SESSION_IDLE_DAYS',
      `SESSION_IDLE_DAYS (${environment.SESSION_IDLE_DAYS}) must not exceed SESSION_MAX_AGE_DAYS (${environment.SESSION_MAX_AGE_DAYS})`,
    );
  return { problems, warnings };
}

/** One message for every problem: a single line for one, else one line each under a heading. */
function configurationError(problems: string[]): ConfigError {
  if (problems.length === 1) return new ConfigError(`Invalid configuration: ${problems[0]}`);
  const lines = problems.map((problem) => `  - ${problem}`);
  return new ConfigError(
    [`Invalid configuration (${problems.length} problems):`, ...lines].join('\n'),
  );
}

/**
 * The environment parsed, and a problem for every variable the schema refuses. The refused ones
 * fall back to their defaults, so the rules across variables can still run on the others and
 * one start reports everything; a rule about a refused variable is left out.
 */
function parseEnvironment(source: Record<string, string | undefined>) {
  const parsed = environmentSchema.safeParse(source);
  if (parsed.success) return { environment: parsed.data, problems: [] as Problem[] };
  const problems = new Map<string, Problem>();
  for (const issue of parsed.error.issues) {
    const variable = String(issue.path[0] ?? 'environment');
    if (!problems.has(variable))
      problems.set(variable, { variable, message: describeIssue(issue, source) });
  }
  const rest = Object.fromEntries(
    Object.entries(source).filter(([variable]) => !problems.has(variable)),
  );
  const fallback = environmentSchema.safeParse(rest);
  if (!fallback.success) throw configurationError([...problems.values()].map((p) => p.message));
  return { environment: fallback.data, problems: [...problems.values()] };
}

/** Reads `.env` (when present) beneath the process environment, which always wins. */
export function readEnvironment(
  processEnv: NodeJS.ProcessEnv = process.env,
  dotenvPath = '.env',
): Record<string, string | undefined> {
  const fromFile = existsSync(dotenvPath) ? parseDotenv(readFileSync(dotenvPath)) : {};
  const merged: Record<string, string | undefined> = { ...fromFile, ...processEnv };
  // An empty assignment (`EMAIL_HOST=`) means "not set", as it did for the original service.
  for (const [key, value] of Object.entries(merged)) if (value === '') delete merged[key];
  return merged;
}

export function loadConfig(source: Record<string, string | undefined> = readEnvironment()): Config {
  const { environment, problems } = parseEnvironment(source);
  const database = databaseFrom(environment);
  // Unset, a session may go as long without a refresh as its refresh token lives; a refresh
  // lifetime beyond the maximum age could never be reached, so the default stops there.
  const sessionIdleDays =
    environment.SESSION_IDLE_DAYS ??
    Math.min(environment.JWT_REFRESH_TOKEN_LIFETIME, environment.SESSION_MAX_AGE_DAYS);
  const emailBackend = emailBackendFrom(environment);
  const rules = crossVariableRules(environment, database, emailBackend);
  const refused = new Set(problems.map((problem) => problem.variable));
  problems.push(...rules.problems.filter((problem) => !refused.has(problem.variable)));
  if (problems.length) throw configurationError(problems.map((problem) => problem.message));

  const secretKeyIsEphemeral = !environment.SECRET_KEY;
  const debug = environment.DEBUG ?? environment.NODE_ENV === 'development';
  return {
    env: environment.NODE_ENV,
    debug,
    secretKey: environment.SECRET_KEY ?? randomDevelopmentSecret(environment.NODE_ENV),
    secretKeyIsEphemeral,
    insecureProductionWarnings: rules.warnings,
    http: {
      host: environment.HOST,
      port: environment.PORT,
      allowedHosts: environment.ALLOWED_HOSTS,
      corsAllowedOrigins: environment.CORS_ALLOWED_ORIGINS,
      trustProxy: environment.TRUST_PROXY,
      bodyLimitBytes: environment.BODY_LIMIT_BYTES,
      trpcMaxBatchSize: environment.TRPC_MAX_BATCH_SIZE,
      shutdownTimeoutMs: environment.SHUTDOWN_TIMEOUT_SECONDS * 1000,
      // Behind a load balancer (production) it needs time to see readiness fail; a developer's
      // restart (tsx watch sends SIGTERM) should not wait.
      shutdownDelayMs:
        (environment.SHUTDOWN_DELAY_SECONDS ?? (environment.NODE_ENV === 'production' ? 5 : 0)) *
        1000,
      headersTimeoutMs: environment.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: environment.HTTP_REQUEST_TIMEOUT_MS,
      maxConnections: environment.HTTP_MAX_CONNECTIONS,
      adminConsoleDir: environment.ADMIN_CONSOLE_DIR,
    },
    logLevel: environment.LOG_LEVEL ?? (environment.NODE_ENV === 'test' ? 'silent' : 'info'),
    database,
    migrateOnStart: environment.MIGRATE_ON_START ?? database.kind === 'embedded',
    redis: environment.REDIS_URL
      ? {
          url: environment.REDIS_URL,
          keyPrefix: environment.REDIS_KEY_PREFIX,
          commandTimeoutMs: environment.REDIS_COMMAND_TIMEOUT_MS,
        }
      : null,
    jwt: {
      accessTokenLifetimeSeconds: environment.JWT_ACCESS_TOKEN_LIFETIME * 60,
      refreshTokenLifetimeSeconds: environment.JWT_REFRESH_TOKEN_LIFETIME * 24 * 3600,
      issuer: environment.JWT_ISSUER,
      audience: environment.JWT_AUDIENCE,
      refreshReuseGraceSeconds: environment.REFRESH_REUSE_GRACE_SECONDS,
    },
    sessions: {
      maxAgeSeconds: environment.SESSION_MAX_AGE_DAYS * 24 * 3600,
      idleSeconds: sessionIdleDays * 24 * 3600,
    },
    passwords: {
      minLength: environment.PASSWORD_MIN_LENGTH,
      resetTimeoutSeconds: environment.PASSWORD_RESET_TIMEOUT,
      scrypt: { logN: environment.SCRYPT_LOG_N, r: environment.SCRYPT_R, p: environment.SCRYPT_P },
      hashConcurrency: environment.HASH_CONCURRENCY,
      // A queue worth a few seconds of hashing: a longer wait outlasts the request timeout, so a
      // flood is better answered 503 with Retry-After at once.
      hashQueueLimit: environment.HASH_QUEUE_LIMIT ?? environment.HASH_CONCURRENCY * 16,
      hashRefusalDelayMs: environment.HASH_REFUSAL_DELAY_MS,
    },
    email: {
      host: environment.EMAIL_HOST,
      port: environment.EMAIL_PORT,
      user: environment.EMAIL_HOST_USER,
      password: environment.EMAIL_HOST_PASSWORD,
      useTls: environment.EMAIL_USE_TLS,
      defaultFrom: environment.DEFAULT_FROM_EMAIL,
      backend: emailBackend,
      sendgrid: environment.SENDGRID_API_KEY
        ? {
            apiKey: environment.SENDGRID_API_KEY,
            apiUrl: environment.SENDGRID_API_URL,
            sandboxMode: environment.SENDGRID_SANDBOX_MODE,
          }
        : null,
      sendTimeoutMs: environment.EMAIL_SEND_TIMEOUT_MS,
      templatesDir: environment.TEMPLATES_DIR,
      outbox: {
        worker: environment.EMAIL_OUTBOX_WORKER,
        pollMs: environment.EMAIL_OUTBOX_POLL_MS,
        batchSize: environment.EMAIL_OUTBOX_BATCH_SIZE,
        maxAttempts: environment.EMAIL_OUTBOX_MAX_ATTEMPTS,
        backoffBaseMs: environment.EMAIL_OUTBOX_BACKOFF_BASE_MS,
        backoffMaxMs: environment.EMAIL_OUTBOX_BACKOFF_MAX_MS,
        leaseMs: environment.EMAIL_OUTBOX_LEASE_MS,
        retentionDays: environment.EMAIL_OUTBOX_RETENTION_DAYS,
      },
    },
    emailVerification: {
      timeoutSeconds: environment.EMAIL_VERIFICATION_TIMEOUT,
      required: environment.REQUIRE_EMAIL_VERIFICATION,
      resendLimit: environment.VERIFICATION_RESEND_LIMIT,
      resendWindowSeconds: environment.VERIFICATION_RESEND_WINDOW,
    },
    rateLimits: {
      enabled: environment.RATE_LIMIT_ENABLED,
      limits: {
        loginIp: environment.RATE_LIMIT_LOGIN_IP,
        registerIp: environment.RATE_LIMIT_REGISTER_IP,
        passwordResetIp: environment.RATE_LIMIT_PASSWORD_RESET_IP,
        passwordResetAccount: environment.RATE_LIMIT_PASSWORD_RESET_ACCOUNT,
        refreshIp: environment.RATE_LIMIT_REFRESH_IP,
        verifyIp: environment.RATE_LIMIT_VERIFY_IP,
        passwordCheckIp: environment.RATE_LIMIT_PASSWORD_CHECK_IP,
        passwordCheckAccount: environment.RATE_LIMIT_PASSWORD_CHECK_ACCOUNT,
      },
      loginLockout: {
        failures: environment.RATE_LIMIT_LOGIN_ACCOUNT_FAILURES,
        windowSeconds: environment.RATE_LIMIT_LOGIN_ACCOUNT_WINDOW,
        maxLockSeconds: environment.RATE_LIMIT_LOGIN_ACCOUNT_MAX_LOCK,
      },
    },
    frontendUrl: environment.FRONTEND_URL.replace(/\/+$/, ''),
    appName: environment.APP_NAME,
    supportEmail: environment.SUPPORT_EMAIL,
  };
}

function randomDevelopmentSecret(env: Environment['NODE_ENV']): string {
  // Production never signs with a generated key, whatever the rules above let through: tokens
  // would die with the process and differ between instances.
  if (env === 'production') throw configurationError(['SECRET_KEY is required in production']);
  // Outside production a missing key is replaced by a random one: tokens then last only as long
  // as the process, which the start banner says.
  return Buffer.from(crypto.getRandomValues(new Uint8Array(48))).toString('base64url');
}

const clusterSchema = z.object({
  HTTP_WORKERS: integer(1, 256).default(availableParallelism()),
  HASH_CONCURRENCY: z.string().optional(),
});

/**
 * For server/cluster.ts only: how many workers to fork (HTTP_WORKERS, default one per core), and
 * whether HASH_CONCURRENCY was chosen (if not, the cluster shares the cores out among workers).
 */
export function clusterSettings(source: Record<string, string | undefined> = readEnvironment()) {
  const parsed = clusterSchema.safeParse(source);
  if (!parsed.success) {
    throw new ConfigError(
      `Invalid configuration: ${describeIssue(parsed.error.issues[0]!, source)}`,
    );
  }
  return {
    workers: parsed.data.HTTP_WORKERS,
    hashConcurrencyExplicit: parsed.data.HASH_CONCURRENCY !== undefined,
  };
}
