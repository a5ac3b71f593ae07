import { expect } from 'chai';
import {
  ConfigError,
  isLoopbackUrl,
  loadConfig,
  weakSecretReason,
} from '../../server/config/index.js';

const STRONG = 'f3J9x!Qm2#Lp7vR0tZ8wK4yB6nD1sH5cA-E_u';
/** A production environment with nothing to refuse; tests take settings out or spoil them. */
const production = (extra: Record<string, string> = {}): Record<string, string> => ({
  NODE_ENV: 'production',
  SECRET_KEY: STRONG,
  DATABASE_URL: 'postgres://app@db.internal:5432/auth',
  REDIS_URL: 'redis://cache.internal:6379',
  ALLOWED_HOSTS: 'auth.example.com',
  FRONTEND_URL: 'https://app.example.com',
  EMAIL_HOST: 'smtp.example.com',
  ...extra,
});
const without = (source: Record<string, string>, ...names: string[]) =>
  Object.fromEntries(Object.entries(source).filter(([name]) => !names.includes(name)));

function configError(source: Record<string, string>): string {
  try {
    loadConfig(source);
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('starts with no settings at all, on the embedded database and in-process store', () => {
    const config = loadConfig({});
    expect(config.http.port).to.equal(8000);
    expect(config.database.kind).to.equal('embedded');
    expect(config.redis).to.equal(null);
    expect(config.jwt.accessTokenLifetimeSeconds).to.equal(15 * 60);
    expect(config.jwt.refreshTokenLifetimeSeconds).to.equal(7 * 24 * 3600);
    expect(config.passwords.resetTimeoutSeconds).to.equal(3600);
    expect(config.secretKeyIsEphemeral).to.equal(true);
  });

  it('bounds slow clients by default: headers in 5 s, a request in 30 s, 4096 connections', () => {
    expect(loadConfig({}).http).to.include({
      headersTimeoutMs: 5000,
      requestTimeoutMs: 30_000,
      maxConnections: 4096,
    });
    expect(
      loadConfig({ HTTP_HEADERS_TIMEOUT_MS: '2000', HTTP_MAX_CONNECTIONS: '100' }).http,
    ).to.include({ headersTimeoutMs: 2000, maxConnections: 100 });
    expect(
      configError({ HTTP_HEADERS_TIMEOUT_MS: '40000', HTTP_REQUEST_TIMEOUT_MS: '30000' }),
    ).to.match(/HTTP_HEADERS_TIMEOUT_MS must not exceed HTTP_REQUEST_TIMEOUT_MS/);
    expect(configError({ HTTP_MAX_CONNECTIONS: '0' })).to.match(/HTTP_MAX_CONNECTIONS/);
  });

  it('reads the original Django service settings (DB_*, lifetimes in minutes and days)', () => {
    const config = loadConfig({
      DB_NAME: 'auth',
      DB_USER: 'app',
      DB_PASSWORD: 'p@ss word',
      DB_HOST: 'db',
      DB_PORT: '6543',
      JWT_ACCESS_TOKEN_LIFETIME: '5',
      JWT_REFRESH_TOKEN_LIFETIME: '2',
      EMAIL_USE_TLS: 'False',
      ALLOWED_HOSTS: 'api.example.com, .example.org',
    });
    expect(config.database).to.deep.include({
      kind: 'external',
      url: 'postgres://app:p%40ss%20word@db:6543/auth',
    });
    expect(config.jwt.accessTokenLifetimeSeconds).to.equal(300);
    expect(config.jwt.refreshTokenLifetimeSeconds).to.equal(2 * 86400);
    expect(config.email.useTls).to.equal(false);
    expect(config.http.allowedHosts).to.deep.equal(['api.example.com', '.example.org']);
  });

  it('names the variable and the problem when a value is bad', () => {
    expect(configError({ PORT: 'eighty' })).to.equal(
      'Invalid configuration: PORT: expected a whole number (got "eighty")',
    );
    expect(configError({ JWT_ACCESS_TOKEN_LIFETIME: '0' })).to.match(
      /^Invalid configuration: JWT_ACCESS_TOKEN_LIFETIME: must be at least 1/,
    );
    expect(configError({ DATABASE_URL: 'mysql://x' })).to.match(
      /DATABASE_URL: expected a postgres:\/\/ URL/,
    );
    expect(configError({ DEBUG: 'maybe' })).to.match(/^Invalid configuration: DEBUG:/);
    expect(configError({ TRUST_PROXY: 'everyone' })).to.match(
      /TRUST_PROXY: "everyone" is neither a hop count nor an IP\/CIDR/,
    );
  });

  it('never echoes a secret value in its error line', () => {
    expect(configError({ ...production(), SECRET_KEY: 'short-secret-value' })).not.to.contain(
      'short-secret-value',
    );
  });

  it('refuses to start in production with a missing, short or placeholder SECRET_KEY', () => {
    expect(configError(production({ SECRET_KEY: '' }))).to.equal(
      'Invalid configuration: SECRET_KEY is required in production',
    );
    expect(configError(production({ SECRET_KEY: 'aB3$'.repeat(7) }))).to.match(
      /SECRET_KEY must be at least 32 bytes/,
    );
    expect(
      configError(production({ SECRET_KEY: 'django-insecure-change-me-please-0123456789abcdef' })),
    ).to.match(/SECRET_KEY looks like a default or placeholder value/);
    expect(configError(production({ SECRET_KEY: 'a'.repeat(64) }))).to.match(
      /SECRET_KEY has too little variety/,
    );
    expect(loadConfig(production()).env).to.equal('production');
  });

  it('reads one Redis topology: a server, Sentinel or a Cluster, and refuses two', () => {
    const sentinel = loadConfig(
      without(
        production({
          REDIS_SENTINELS: 'sentinel-a:26379, sentinel-b:26379,[::1]:26380',
          REDIS_SENTINEL_NAME: 'mymaster',
        }),
        'REDIS_URL',
      ),
    );
    expect(sentinel.redis?.topology).to.deep.equal({
      kind: 'sentinel',
      sentinels: [
        { host: 'sentinel-a', port: 26379 },
        { host: 'sentinel-b', port: 26379 },
        { host: '::1', port: 26380 },
      ],
      masterName: 'mymaster',
      sentinelPassword: undefined,
    });
    const cluster = loadConfig(
      without(production({ REDIS_CLUSTER_NODES: 'redis-0:6379,redis-1:6379' }), 'REDIS_URL'),
    );
    expect(cluster.redis?.topology.kind).to.equal('cluster');
    expect(configError(production({ REDIS_CLUSTER_NODES: 'redis-0:6379' }))).to.match(
      /set only one of REDIS_URL, REDIS_SENTINELS and REDIS_CLUSTER_NODES/,
    );
    expect(configError({ REDIS_SENTINELS: 'sentinel-a:26379' })).to.match(
      /REDIS_SENTINELS needs REDIS_SENTINEL_NAME/,
    );
    expect(configError({ REDIS_CLUSTER_NODES: 'redis-0' })).to.match(
      /REDIS_CLUSTER_NODES: .*host:port/,
    );
  });

  it('turns named prepared statements off for a transaction pooler with DB_PREPARED_STATEMENTS=false', () => {
    expect(loadConfig({}).database.preparedStatements).to.equal(true);
    expect(loadConfig({ DB_PREPARED_STATEMENTS: 'false' }).database.preparedStatements).to.equal(
      false,
    );
  });

  it('refuses to start in production without a real PostgreSQL or without Redis', () => {
    expect(configError(without(production(), 'DATABASE_URL'))).to.match(
      /DATABASE_URL \(or DB_NAME\/DB_HOST\) is required in production/,
    );
    expect(configError(without(production(), 'REDIS_URL'))).to.equal(
      'Invalid configuration: REDIS_URL (or REDIS_SENTINELS, or REDIS_CLUSTER_NODES) is required in production',
    );
  });

  it('refuses mail to the console in production unless EMAIL_BACKEND=console says so', () => {
    const auto = without(production(), 'EMAIL_HOST');
    expect(configError(auto)).to.match(
      /^Invalid configuration: EMAIL_BACKEND is auto and no mail provider is set \(SENDGRID_API_KEY or EMAIL_HOST\)/,
    );
    expect(configError({ ...auto, EMAIL_BACKEND: 'auto' })).to.match(/EMAIL_BACKEND is auto/);
    // A demo switch for hosts and links, not for reset links in the log.
    expect(configError({ ...auto, ALLOW_INSECURE_PRODUCTION: 'true' })).to.match(
      /EMAIL_BACKEND is auto/,
    );
    const explicit = loadConfig({ ...auto, EMAIL_BACKEND: 'console' });
    expect(explicit.email.backend).to.equal('console');
    expect(loadConfig(production()).email.backend).to.equal('smtp');
    expect(loadConfig(without(auto, 'NODE_ENV')).email.backend, 'outside production').to.equal(
      'console',
    );
  });

  it('refuses ALLOWED_HOSTS=* in production, also when it is left at its default', () => {
    const expected =
      /^Invalid configuration: ALLOWED_HOSTS is \* \(the default\), so any Host header is accepted/;
    expect(configError(without(production(), 'ALLOWED_HOSTS'))).to.match(expected);
    expect(configError(production({ ALLOWED_HOSTS: '*' }))).to.match(expected);
    expect(configError(production({ ALLOWED_HOSTS: 'auth.example.com, *' }))).to.match(expected);
    expect(loadConfig(production()).http.allowedHosts).to.deep.equal(['auth.example.com']);
  });

  it('refuses a FRONTEND_URL on this machine in production', () => {
    for (const url of [
      'http://localhost:3000',
      'http://LOCALHOST',
      'http://app.localhost:3000',
      'http://127.0.0.1:3000',
      'http://127.9.8.7',
      'http://127.1',
      'http://[::1]:3000',
      'http://[::ffff:127.0.0.1]',
      'http://0.0.0.0:3000',
    ]) {
      expect(configError(production({ FRONTEND_URL: url })), url).to.match(
        /^Invalid configuration: FRONTEND_URL \(.+\) points at this machine/,
      );
    }
    for (const url of ['https://app.example.com', 'http://10.0.0.7:3000', 'http://128.0.0.1'])
      expect(isLoopbackUrl(url), url).to.equal(false);
  });

  it('starts with ALLOW_INSECURE_PRODUCTION=true despite * and a loopback link, with one warning each', () => {
    const config = loadConfig(
      production({
        ALLOWED_HOSTS: '*',
        FRONTEND_URL: 'http://localhost:3000',
        ALLOW_INSECURE_PRODUCTION: 'true',
      }),
    );
    expect(config.insecureProductionWarnings).to.have.length(2);
    expect(config.insecureProductionWarnings[0]).to.match(/^ALLOWED_HOSTS is \*/);
    expect(config.insecureProductionWarnings[1]).to.match(
      /^FRONTEND_URL .* points at this machine/,
    );
    expect(loadConfig(production()).insecureProductionWarnings).to.deep.equal([]);
    expect(
      loadConfig(production({ ALLOW_INSECURE_PRODUCTION: 'true' })).insecureProductionWarnings,
      'nothing relaxed, nothing to warn of',
    ).to.deep.equal([]);
  });

  it('never signs with a generated key in production, whatever is allowed', () => {
    for (const extra of [{}, { ALLOW_INSECURE_PRODUCTION: 'true' }] as Record<string, string>[]) {
      expect(configError({ ...without(production(), 'SECRET_KEY'), ...extra })).to.equal(
        'Invalid configuration: SECRET_KEY is required in production',
      );
    }
    expect(loadConfig(production()).secretKey).to.equal(STRONG);
    expect(loadConfig(production()).secretKeyIsEphemeral).to.equal(false);
  });

  it('names every problem in one message, one a line, schema and production rules alike', () => {
    const message = configError({
      NODE_ENV: 'production',
      SECRET_KEY: 'short',
      PORT: 'eighty',
      FRONTEND_URL: 'not a url',
      DB_POOL_MIN: '20',
      DB_POOL_MAX: '5',
    });
    const lines = message.split('\n');
    expect(lines[0]).to.equal('Invalid configuration (8 problems):');
    const named = lines.slice(1).map((line) => /^ {2}- ([A-Z_]+)/.exec(line)?.[1]);
    expect(named).to.have.members([
      'PORT',
      'FRONTEND_URL',
      'SECRET_KEY',
      'DATABASE_URL',
      'REDIS_URL',
      'EMAIL_BACKEND',
      'ALLOWED_HOSTS',
      'DB_POOL_MIN',
    ]);
    expect(message).to.include('PORT: expected a whole number (got "eighty")');
    expect(message).to.include('FRONTEND_URL: expected a http(s):// URL');
    // FRONTEND_URL fell back to its localhost default, but its own error is the one reported.
    expect(message).not.to.include('points at this machine');
    expect(message).not.to.include('short"');
  });

  it('queues a few seconds of password hashing by default, then answers 503', () => {
    expect(loadConfig({ HASH_CONCURRENCY: '2' }).passwords.hashQueueLimit).to.equal(32);
    expect(loadConfig({ HASH_QUEUE_LIMIT: '5' }).passwords.hashQueueLimit).to.equal(5);
  });

  it('pauses 5 s not ready on SIGTERM in production only, unless SHUTDOWN_DELAY_SECONDS says', () => {
    expect(loadConfig(production()).http.shutdownDelayMs).to.equal(5000);
    expect(loadConfig({}).http.shutdownDelayMs, 'development restarts at once').to.equal(0);
    expect(loadConfig(production({ SHUTDOWN_DELAY_SECONDS: '0' })).http.shutdownDelayMs).to.equal(
      0,
    );
    expect(loadConfig({ SHUTDOWN_DELAY_SECONDS: '12' }).http.shutdownDelayMs).to.equal(12_000);
    expect(configError({ SHUTDOWN_DELAY_SECONDS: 'soon' })).to.match(/SHUTDOWN_DELAY_SECONDS/);
    expect(configError({ SHUTDOWN_DELAY_SECONDS: '-1' })).to.match(/SHUTDOWN_DELAY_SECONDS/);
  });

  it('bounds sessions: 30 days from the login, idle for the refresh lifetime unless set', () => {
    const day = 24 * 3600;
    expect(loadConfig({}).sessions).to.deep.equal({
      maxAgeSeconds: 30 * day,
      idleSeconds: 7 * day,
    });
    expect(
      loadConfig({ SESSION_MAX_AGE_DAYS: '14', SESSION_IDLE_DAYS: '2' }).sessions,
    ).to.deep.equal({ maxAgeSeconds: 14 * day, idleSeconds: 2 * day });
    expect(loadConfig({ JWT_REFRESH_TOKEN_LIFETIME: '3' }).sessions.idleSeconds).to.equal(3 * day);
    // A refresh lifetime past the maximum age could never be idled through: the default stops.
    expect(
      loadConfig({ JWT_REFRESH_TOKEN_LIFETIME: '60', SESSION_MAX_AGE_DAYS: '30' }).sessions
        .idleSeconds,
    ).to.equal(30 * day);
    expect(configError({ SESSION_MAX_AGE_DAYS: '7', SESSION_IDLE_DAYS: '8' })).to.equal(
      'Invalid configuration: SESSION_IDLE_DAYS (8) must not exceed SESSION_MAX_AGE_DAYS (7)',
    );
    expect(configError({ SESSION_MAX_AGE_DAYS: '0' })).to.match(
      /^Invalid configuration: SESSION_MAX_AGE_DAYS: must be at least 1/,
    );
  });

  it('judges secrets by length, placeholders and variety', () => {
    expect(weakSecretReason(STRONG)).to.equal(null);
    expect(weakSecretReason(undefined)).to.match(/required/);
    expect(weakSecretReason('your-secret-key-here-0123456789-abcdef')).to.match(/placeholder/);
  });
});
