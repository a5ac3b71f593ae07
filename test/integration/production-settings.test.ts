/**
 * The real process in production mode: unsafe settings stop it before it listens, all of them
 * named in one message (one restart fixes everything), and ALLOW_INSECURE_PRODUCTION=true lets a
 * demo start with a loud warning for each rule it relaxes.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { testEnvironment } from '../setup.js';
import { runToEnd, startService, tsxArgs } from '../helpers/spawn-service.js';

const STACK_FRAME = /^\s+at \S/m;

describe('production settings', function () {
  this.timeout(60_000);

  it('refuses to start with several unsafe settings, naming every one in one message', async () => {
    const weakKey = 'changeme-please';
    const result = await runToEnd(
      tsxArgs('server/index.ts'),
      {
        NODE_ENV: 'production',
        HOST: '127.0.0.1',
        SECRET_KEY: weakKey,
        PORT: 'eighty',
        FRONTEND_URL: 'http://localhost:3000',
        // ALLOWED_HOSTS, DATABASE_URL, REDIS_URL and any mail provider are left unset.
      },
      30_000,
    );
    expect(result.code, result.stderr).to.be.a('number').and.not.equal(0);
    const lines = result.stderr.split('\n').filter((line) => line.trim() !== '');
    expect(lines[0]).to.equal('Invalid configuration (7 problems):');
    const named = lines.slice(1).map((line) => /^ {2}- ([A-Z_]+)/.exec(line)?.[1]);
    expect(named, result.stderr).to.have.members([
      'PORT',
      'SECRET_KEY',
      'DATABASE_URL',
      'REDIS_URL',
      'EMAIL_BACKEND',
      'ALLOWED_HOSTS',
      'FRONTEND_URL',
    ]);
    expect(result.stderr + result.stdout).not.to.include(weakKey);
    expect(result.stderr).not.to.match(STACK_FRAME);
    expect(result.stdout).not.to.match(/listening/);
  });

  it('starts a demo with ALLOW_INSECURE_PRODUCTION=true, warning once per relaxed rule', async function () {
    const environment = testEnvironment();
    if (!environment.redisUrl) this.skip(); // production needs Redis
    const service = await startService({
      NODE_ENV: 'production',
      SECRET_KEY: randomBytes(48).toString('base64url'),
      DATABASE_URL: environment.databaseUrl,
      REDIS_URL: environment.redisUrl!,
      REDIS_KEY_PREFIX: `${environment.redisKeyPrefix}insecure:`,
      MIGRATE_ON_START: 'false',
      LOG_LEVEL: 'warn',
      ALLOW_INSECURE_PRODUCTION: 'true',
      ALLOWED_HOSTS: '*',
      FRONTEND_URL: 'http://localhost:3000',
      EMAIL_BACKEND: 'console',
    });
    try {
      const response = await fetch(`${service.baseUrl}/api/auth/profile/`, {
        headers: { host: 'anything.example' },
        signal: AbortSignal.timeout(10_000),
      });
      expect(response.status, 'any Host header is accepted').to.equal(401);
    } finally {
      service.child.kill('SIGTERM');
      await service.exited(20_000);
    }
    const warnings = service
      .stdout()
      .split('\n')
      .filter((line) => line.includes('ALLOW_INSECURE_PRODUCTION=true'))
      .map((line) => JSON.parse(line) as { level: number; msg: string });
    expect(warnings.map((warning) => warning.level)).to.deep.equal([40, 40]);
    expect(warnings[0]!.msg).to.match(/^INSECURE PRODUCTION SETTING .*ALLOWED_HOSTS is \*/);
    expect(warnings[1]!.msg).to.match(
      /^INSECURE PRODUCTION SETTING .*FRONTEND_URL .* points at this machine/,
    );
  });
});
