import { expect } from 'chai';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../../server/lib/logger.js';
import type { Metrics } from '../../server/observability/metrics.js';
import { startMetricsServer } from '../../server/observability/metrics-server.js';
import { bearer, createTestApp, type TestApp } from '../helpers/app.js';
import { createAccount, signedIn } from '../helpers/accounts.js';
import { ManualClock } from '../helpers/clock.js';
import { login, registerUser } from '../helpers/factories.js';

/** The value of one series, 0 when it has not been written. */
async function sample(
  metrics: Metrics | null,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = (await metrics!.registry.getMetricsAsJSON()).find((m) => m.name === name);
  expect(metric, `metric ${name}`).to.not.equal(undefined);
  const found = metric!.values.find((value) =>
    Object.entries(labels).every(([key, wanted]) => String(value.labels[key]) === wanted),
  );
  return found?.value ?? 0;
}

const metricsApp = (env: Record<string, string> = {}, overrides = {}) =>
  createTestApp({ env: { METRICS_PORT: '0', ...env }, overrides });

describe('Prometheus metrics', () => {
  let testApp: TestApp;

  it('are off unless METRICS_PORT is set, and never served on the public port', async () => {
    testApp = await createTestApp();
    expect(testApp.deps.metrics).to.equal(null);
    testApp = await metricsApp();
    expect(testApp.deps.metrics).to.not.equal(null);
    const response = await testApp.http().get('/metrics');
    expect(response.status).to.equal(404);
  });

  it('refuses METRICS_PORT equal to PORT', async () => {
    let error: Error | undefined;
    try {
      await createTestApp({ env: { METRICS_PORT: '8000', PORT: '8000' } });
    } catch (thrown) {
      error = thrown as Error;
    }
    expect(error?.message).to.match(/METRICS_PORT \(8000\) must differ from PORT/);
  });

  it('are served as Prometheus text at GET /metrics on their own listener, and nothing else there', async () => {
    testApp = await metricsApp();
    const server = await startMetricsServer(
      testApp.deps.metrics!,
      { host: '127.0.0.1', port: 0 },
      createLogger({ level: 'silent', pretty: false }),
    );
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const scrape = await fetch(`${base}/metrics`);
      expect(scrape.status).to.equal(200);
      expect(scrape.headers.get('content-type')).to.match(/^text\/plain; version=0\.0\.4/);
      const text = await scrape.text();
      expect(text).to.include('# TYPE auth_http_requests_total counter');
      // The default process and Node.js metrics, under the same prefix.
      expect(text).to.include('auth_nodejs_eventloop_lag_seconds');
      expect(text).to.include('auth_process_cpu_seconds_total');
      expect(text).to.include('auth_nodejs_heap_size_used_bytes');
      expect((await fetch(`${base}/api/auth/login/`)).status).to.equal(404);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('count requests by wire, procedure path and status class, never by URL', async () => {
    testApp = await metricsApp();
    const account = await signedIn(testApp);
    const sessionId = '00000000-0000-4000-8000-000000000000';
    await testApp.http().get('/api/auth/profile/').set(bearer(account.access)).expect(200);
    await testApp.http().get('/trpc/profile.get').set(bearer(account.access)).expect(200);
    await testApp.http().delete(`/api/auth/sessions/${sessionId}/`).set(bearer(account.access));
    await testApp.http().get('/api/auth/profile/').expect(401);
    await testApp.http().get('/no/such/page').expect(404);
    await testApp.http().get('/health/live').expect(200);

    const { metrics } = testApp.deps;
    const requests = (labels: Record<string, string>) =>
      sample(metrics, 'auth_http_requests_total', labels);
    expect(await requests({ wire: 'rest', operation: 'auth.login', status_class: '2xx' })).to.equal(
      1,
    );
    expect(
      await requests({ wire: 'rest', operation: 'profile.get', status_class: '2xx' }),
    ).to.equal(1);
    expect(
      await requests({ wire: 'rest', operation: 'profile.get', status_class: '4xx' }),
    ).to.equal(1);
    expect(
      await requests({ wire: 'trpc', operation: 'profile.get', status_class: '2xx' }),
    ).to.equal(1);
    expect(await requests({ wire: 'none', operation: 'unmatched', status_class: '4xx' })).to.equal(
      1,
    );
    expect(await requests({ wire: 'service', operation: 'service', status_class: '2xx' })).to.equal(
      1,
    );
    const text = await metrics!.render();
    expect(text).to.match(
      /auth_http_request_duration_seconds_count\{wire="rest",operation="auth\.login",status_class="2xx"\} 1/,
    );
    expect(text).to.not.include(sessionId);
    expect(text).to.not.include('/api/');
  });

  it('count logins by outcome and refusals by limit', async () => {
    testApp = await metricsApp({
      RATE_LIMIT_ENABLED: 'true',
      RATE_LIMIT_LOGIN_ACCOUNT_FAILURES: '1',
    });
    const account = await createAccount(testApp);
    const inactive = await createAccount(testApp, { isActive: false });
    const attempt = (email: string, password: string) =>
      testApp.http().post('/api/auth/login/').send({ email, password });
    await login(testApp, account.email, account.password);
    expect((await attempt('nobody@example.com', 'Whatever-123')).status).to.equal(401);
    expect((await attempt(inactive.email, inactive.password)).status).to.equal(401);
    expect((await attempt(account.email, 'Wrong-password-1')).status).to.equal(401);
    expect((await attempt(account.email, account.password)).status).to.equal(429);

    const { metrics } = testApp.deps;
    const logins = (outcome: string) => sample(metrics, 'auth_logins_total', { outcome });
    expect(await logins('success')).to.equal(1);
    expect(await logins('unknown_email')).to.equal(1);
    expect(await logins('inactive')).to.equal(1);
    expect(await logins('wrong_password')).to.equal(1);
    expect(await logins('locked')).to.equal(1);
    expect(
      await sample(metrics, 'auth_rate_limit_refusals_total', { limit: 'loginAccount' }),
    ).to.equal(1);
  });

  it('count refresh reuse and revocations by reason', async () => {
    const clock = new ManualClock();
    testApp = await metricsApp({}, { clock });
    const user = await registerUser(testApp);
    await testApp.http().post('/api/auth/refresh/').send({ refresh: user.refresh }).expect(200);
    clock.advanceSeconds(testApp.config.jwt.refreshReuseGraceSeconds + 5);
    await testApp.http().post('/api/auth/refresh/').send({ refresh: user.refresh }).expect(401);
    const again = await login(testApp, user.email, user.password);
    await testApp
      .http()
      .post('/api/auth/logout/')
      .set(bearer(again.access))
      .send({ refresh: again.refresh });

    const { metrics } = testApp.deps;
    expect(await sample(metrics, 'auth_refresh_reuse_detections_total')).to.equal(1);
    const revoked = (reason: string) =>
      sample(metrics, 'auth_session_revocations_total', { reason });
    expect(await revoked('refresh_reuse')).to.equal(1);
    expect(await revoked('logout')).to.equal(1);
  });

  it('count token checks answered by the cache and by PostgreSQL', async () => {
    testApp = await metricsApp();
    const account = await signedIn(testApp);
    for (let i = 0; i < 3; i += 1) {
      await testApp.http().get('/api/auth/profile/').set(bearer(account.access)).expect(200);
    }
    const { metrics } = testApp.deps;
    const lookups = (result: string) =>
      sample(metrics, 'auth_token_cache_lookups_total', { result });
    expect(await lookups('miss')).to.equal(1);
    expect(await lookups('hit')).to.equal(2);
  });

  it('time password hashes and their queue wait, and read the queue and the pool when scraped', async () => {
    // The app's own hasher (the test helper's has no telemetry).
    testApp = await metricsApp({}, { hasher: undefined });
    const account = await createAccount(testApp);
    await login(testApp, account.email, account.password);
    const { metrics } = testApp.deps;
    const text = await metrics!.render();
    const count = (name: string) =>
      Number(new RegExp(`^${name}_count (\\d+)`, 'm').exec(text)?.[1]);
    // The account's hash and the login's verification.
    expect(count('auth_password_hash_duration_seconds')).to.be.at.least(2);
    expect(count('auth_password_hash_queue_wait_seconds')).to.equal(
      count('auth_password_hash_duration_seconds'),
    );
    expect(text).to.match(/^auth_password_hash_queue_depth 0$/m);
    expect(text).to.match(/^auth_db_pool_connections_in_use \d+$/m);
    expect(text).to.match(/^auth_db_pool_waiting_requests 0$/m);
  });

  it('report the email outbox backlog and the age of its oldest message', async () => {
    const clock = new ManualClock();
    testApp = await metricsApp({}, { clock, mailer: undefined });
    await registerUser(testApp);
    clock.advanceSeconds(90);
    const { metrics } = testApp.deps;
    expect(await sample(metrics, 'auth_email_outbox_pending')).to.be.at.least(1);
    expect(await sample(metrics, 'auth_email_outbox_oldest_pending_age_seconds')).to.equal(90);
  });
});
