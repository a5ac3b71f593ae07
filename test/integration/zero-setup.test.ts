/**
 * Zero setup: with no DATABASE_URL and no REDIS_URL, `npm start` runs on an embedded
 * PostgreSQL (PGlite, data under EMBEDDED_DATA_DIR) and the in-process store, says so in its
 * start banner, serves the API and stops cleanly. (A fresh PGlite data directory takes several
 * seconds to initialise, so this suite starts the service once.)
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { runToEnd, startService, tsxArgs, type RunningService } from '../helpers/spawn-service.js';

const START_TIMEOUT_MS = 60_000;
const PASSWORD = 'Correct-Horse-Battery-9';

describe('zero-setup start (no DATABASE_URL, no REDIS_URL)', function () {
  this.timeout(240_000);
  let dataDir: string;
  let service: RunningService | undefined;

  const settings = () => ({
    NODE_ENV: 'development',
    EMBEDDED_DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    SCRYPT_LOG_N: '12',
    EMAIL_BACKEND: 'console',
  });

  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'auth-service-zero-setup-'));
  });

  afterEach(async () => {
    await service?.kill();
    service = undefined;
  });

  after(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  const post = (path: string, body: object) =>
    fetch(`${service!.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });

  it('serves /health/ and registration, says what it runs on, and stops cleanly', async () => {
    service = await startService(settings(), START_TIMEOUT_MS);
    const banner = await service.waitForStdout(
      /^(?=[\s\S]*embedded PostgreSQL)(?=[\s\S]*in-process store)(?=[\s\S]*SECRET_KEY is not set)/,
    );
    expect(banner).to.include('embedded PostgreSQL');
    expect(banner).to.include('in-process store');
    expect(banner).to.include('SECRET_KEY is not set');

    const health = await fetch(`${service.baseUrl}/health/`);
    expect(health.status).to.equal(200);
    expect(await health.json()).to.deep.equal({
      status: 'healthy',
      service: 'auth_service',
      checks: { database: 'ok', cache: 'ok' },
    });

    const email = `zero.setup.${Date.now()}@example.com`;
    const registered = await post('/api/auth/register/', {
      email,
      full_name: 'Zero Setup',
      password: PASSWORD,
      password_confirm: PASSWORD,
    });
    expect(registered.status).to.equal(201);
    expect(((await registered.json()) as { user: { email: string } }).user.email).to.equal(email);

    const login = await post('/api/auth/login/', { email, password: PASSWORD });
    expect(login.status).to.equal(200);

    service.child.kill('SIGTERM');
    expect(await service.exited(20_000)).to.deep.equal({ code: 0, signal: null });
  });

  const stop = async () => {
    service!.child.kill('SIGTERM');
    expect(await service!.exited(20_000)).to.deep.equal({ code: 0, signal: null });
    service = undefined;
  };
  const loginStatus = async (email: string) =>
    (await post('/api/auth/login/', { email, password: PASSWORD })).status;
  const createSuperuser = (email: string) =>
    runToEnd(
      tsxArgs(
        'server/cli.ts',
        'createsuperuser',
        '--email',
        email,
        '--full-name',
        'Embedded Admin',
      ),
      { ...settings(), LOG_LEVEL: 'silent', AUTH_SUPERUSER_PASSWORD: PASSWORD },
      60_000,
    );

  it("lets `cli createsuperuser` reach the running service's embedded database, and the user survives a restart", async () => {
    service = await startService(settings(), START_TIMEOUT_MS);
    const email = `embedded.admin.${Date.now()}@example.com`;
    const created = await createSuperuser(email);
    expect(created.code, created.stderr).to.equal(0);
    expect(created.stdout).to.include(email);
    expect(await loginStatus(email)).to.equal(200);

    await stop();
    service = await startService(settings(), START_TIMEOUT_MS);
    expect(await loginStatus(email)).to.equal(200);
  });

  it('refuses a second service on the same embedded folder, naming the process that holds it', async () => {
    service = await startService(settings(), START_TIMEOUT_MS);
    const second = await runToEnd(tsxArgs('server/index.ts'), { ...settings(), PORT: '0' }, 60_000);
    expect(second.code).to.equal(1);
    expect(second.stderr).to.include(`open in process ${service.child.pid} (service)`);
    expect(second.stderr).to.include(`kill ${service.child.pid}`);
    // The first one still serves, on its data.
    expect((await fetch(`${service.baseUrl}/health/ready`)).status).to.equal(200);
  });

  it('opens the folder itself when no service runs, then leaves it to the next start', async () => {
    const email = `offline.admin.${Date.now()}@example.com`;
    const created = await createSuperuser(email);
    expect(created.code, created.stderr).to.equal(0);
    service = await startService(settings(), START_TIMEOUT_MS);
    expect(await loginStatus(email)).to.equal(200);
  });

  it('keeps the development SECRET_KEY in the data folder (mode 0600), so a restart keeps sessions', async () => {
    service = await startService(settings(), START_TIMEOUT_MS);
    const banner = await service.waitForStdout(/development key kept in/);
    expect(banner).to.include(join(dataDir, 'secret-key'));
    expect(statSync(join(dataDir, 'secret-key')).mode & 0o777).to.equal(0o600);
    const email = `kept.session.${Date.now()}@example.com`;
    await post('/api/auth/register/', {
      email,
      full_name: 'Kept Session',
      password: PASSWORD,
      password_confirm: PASSWORD,
    });
    const { tokens } = (await (
      await post('/api/auth/login/', { email, password: PASSWORD })
    ).json()) as {
      tokens: { access: string; refresh: string };
    };
    await stop();
    service = await startService(settings(), START_TIMEOUT_MS);
    const profile = await fetch(`${service.baseUrl}/api/auth/profile/`, {
      headers: { Authorization: `Bearer ${tokens.access}` },
    });
    expect(profile.status).to.equal(200);
    expect((await post('/api/auth/refresh/', { refresh: tokens.refresh })).status).to.equal(200);
  });
});
