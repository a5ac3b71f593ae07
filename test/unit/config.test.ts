import { expect } from 'chai';
import { ConfigError, loadConfig, weakSecretReason } from '../../server/config.js';

const STRONG = 'f3J9x!Qm2#Lp7vR0tZ8wK4yB6nD1sH5cA-E_u';
const production = (extra: Record<string, string> = {}) => ({
  NODE_ENV: 'production',
  SECRET_KEY: STRONG,
  DATABASE_URL: 'postgres://app@db.internal:5432/auth',
  REDIS_URL: 'redis://cache.internal:6379',
  ...extra,
});

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

  it('refuses to start in production without a real PostgreSQL or without Redis', () => {
    const { DATABASE_URL: _database, ...withoutDatabase } = production();
    expect(configError(withoutDatabase)).to.match(
      /DATABASE_URL \(or DB_NAME\/DB_HOST\) is required in production/,
    );
    const { REDIS_URL: _redis, ...withoutRedis } = production();
    expect(configError(withoutRedis)).to.equal(
      'Invalid configuration: REDIS_URL is required in production',
    );
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

  it('judges secrets by length, placeholders and variety', () => {
    expect(weakSecretReason(STRONG)).to.equal(null);
    expect(weakSecretReason(undefined)).to.match(/required/);
    expect(weakSecretReason('your-secret-key-here-0123456789-abcdef')).to.match(/placeholder/);
  });
});
