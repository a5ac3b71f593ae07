/**
 * Three service processes on one PostgreSQL and one Redis, behind a real HAProxy (round robin,
 * health-checked on /health/ready): what one instance does is seen by the others on the very
 * next request, limits count across them, tokens issued by one are used at another, the email
 * outbox delivers each message once with a worker in every instance, and a rolling restart of
 * all three under a steady load fails no request.
 */
import { expect } from 'chai';
import { testEnvironment } from '../setup.js';
import { startSmtpStandIn, type SmtpStandIn } from '../helpers/email-peers.js';
import { STRONG_PASSWORD, uniqueEmail } from '../helpers/factories.js';
import { startHaproxy, type HaproxyUnderTest } from '../helpers/load-balancing.js';
import { waitFor } from '../helpers/daemon.js';
import {
  call,
  serviceSettings,
  startScaleService,
  type RunningService,
} from '../helpers/scale-service.js';

describe('three instances behind HAProxy', function () {
  this.timeout(120_000);
  let smtp: SmtpStandIn;
  let instances: RunningService[] = [];
  let haproxy: HaproxyUnderTest;
  let settings: Record<string, string>;

  before(async function () {
    const environment = testEnvironment();
    if (!environment.redisEnv || !environment.adminDatabaseUrl) return this.skip();
    smtp = await startSmtpStandIn();
    settings = serviceSettings(
      { ...environment.redisEnv, REDIS_KEY_PREFIX: `${environment.redisKeyPrefix}fleet:` },
      {
        EMAIL_BACKEND: 'smtp',
        EMAIL_HOST: '127.0.0.1',
        EMAIL_PORT: String(smtp.port),
        EMAIL_USE_TLS: 'false',
        EMAIL_OUTBOX_POLL_MS: '100',
        RATE_LIMIT_LOGIN_ACCOUNT_FAILURES: '3',
        RATE_LIMIT_LOGIN_IP: '5/300',
        // Two failed checks 500 ms apart take an instance out of HAProxy: it says so for 2 s.
        SHUTDOWN_DELAY_SECONDS: '2',
      },
    );
    instances = await Promise.all([0, 1, 2].map(() => startScaleService(settings)));
    haproxy = await startHaproxy(instances.map((instance) => instance.port));
    await waitFor(
      'HAProxy sees the instances up',
      async () =>
        (await fetch(`${haproxy.baseUrl}/health/ready`)).status === 200 ? true : undefined,
      10_000,
    );
  });
  after(async () => {
    await haproxy?.stop();
    for (const instance of instances) await instance.kill();
    await smtp?.close();
  });

  const a = () => instances[0]!.baseUrl;
  const b = () => instances[1]!.baseUrl;
  const c = () => instances[2]!.baseUrl;

  async function register(baseUrl: string) {
    const email = uniqueEmail('fleet');
    const answer = await call(baseUrl, 'POST', 'register/', {
      body: {
        email,
        full_name: 'Many Instances',
        password: STRONG_PASSWORD,
        password_confirm: STRONG_PASSWORD,
      },
    });
    expect(answer.status, JSON.stringify(answer.body)).to.equal(201);
    return { email, ...answer.body.tokens! };
  }

  const profileStatus = async (baseUrl: string, token: string) =>
    (await call(baseUrl, 'GET', 'profile/', { token })).status;

  it('refuses a token logged out on one instance at every other on the very next request', async () => {
    const user = await register(haproxy.baseUrl);
    // Each instance has verified (and cached) the token before the logout.
    for (const instance of [a(), b(), c()])
      expect(await profileStatus(instance, user.access)).to.equal(200);
    expect(
      (await call(a(), 'POST', 'logout/', { token: user.access, body: { refresh: user.refresh } }))
        .status,
    ).to.equal(200);
    expect(await profileStatus(b(), user.access)).to.equal(401);
    expect(await profileStatus(c(), user.access)).to.equal(401);
    for (let index = 0; index < 6; index += 1)
      expect(await profileStatus(haproxy.baseUrl, user.access)).to.equal(401);
    expect(
      (await call(c(), 'POST', 'refresh/', { body: { refresh: user.refresh } })).status,
    ).to.equal(401);
  });

  it('refuses the old tokens everywhere after a password change on one instance', async () => {
    const user = await register(a());
    for (const instance of [a(), b(), c()])
      expect(await profileStatus(instance, user.access)).to.equal(200);
    const changed = await call(b(), 'POST', 'change-password/', {
      token: user.access,
      body: {
        current_password: STRONG_PASSWORD,
        new_password: 'Another-Horse-Battery-7',
        new_password_confirm: 'Another-Horse-Battery-7',
      },
    });
    expect(changed.status, JSON.stringify(changed.body)).to.equal(200);
    expect(
      (await call(c(), 'POST', 'refresh/', { body: { refresh: user.refresh } })).status,
    ).to.equal(401);
    expect(await profileStatus(c(), changed.body.tokens!.access)).to.equal(200);
    expect(
      (
        await call(a(), 'POST', 'login/', {
          body: { email: user.email, password: STRONG_PASSWORD },
        })
      ).status,
    ).to.equal(401);
  });

  it('counts the login lock and the per-IP limit across instances', async () => {
    const user = await register(c());
    for (const instance of [a(), b(), c()]) {
      const wrong = await call(instance, 'POST', 'login/', {
        body: { email: user.email, password: 'Wrong-Password-1' },
      });
      expect(wrong.status).to.equal(401);
    }
    const locked = await call(a(), 'POST', 'login/', {
      body: { email: user.email, password: STRONG_PASSWORD },
    });
    expect(locked.status, JSON.stringify(locked.body)).to.equal(429);

    const ip = '203.0.113.77';
    const statuses = [];
    for (let index = 0; index < 6; index += 1) {
      const instance = [a(), b(), c()][index % 3]!;
      statuses.push(
        (
          await call(instance, 'POST', 'login/', {
            ip,
            body: { email: uniqueEmail(), password: 'Whatever-123' },
          })
        ).status,
      );
    }
    expect(statuses).to.deep.equal([401, 401, 401, 401, 401, 429]);
  });

  it('resets a password with a token one instance mailed, at another', async () => {
    const user = await register(a());
    expect(
      (await call(b(), 'POST', 'forgot-password/', { body: { email: user.email } })).status,
    ).to.equal(200);
    const mail = await waitFor(
      'the reset mail',
      async () =>
        smtp.messages.find(
          (message) =>
            message.text?.includes('reset-password?token=') &&
            message.to &&
            !Array.isArray(message.to) &&
            message.to.value[0]?.address === user.email,
        ),
      15_000,
    );
    const token = /reset-password\?token=([\w-]+)/.exec(mail.text ?? '')![1]!;
    const reset = await call(c(), 'POST', 'reset-password/', {
      body: { token, password: 'Reset-Horse-Battery-5', password_confirm: 'Reset-Horse-Battery-5' },
    });
    expect(reset.status, JSON.stringify(reset.body)).to.equal(200);
    expect(
      (
        await call(a(), 'POST', 'reset-password/', {
          body: {
            token,
            password: 'Reset-Horse-Battery-6',
            password_confirm: 'Reset-Horse-Battery-6',
          },
        })
      ).status,
    ).to.equal(400);
    expect(
      (
        await call(a(), 'POST', 'login/', {
          body: { email: user.email, password: 'Reset-Horse-Battery-5' },
        })
      ).status,
    ).to.equal(200);
  });

  it('gives two tabs refreshing through two instances the same pair within the grace window', async () => {
    const user = await register(a());
    const [first, second] = await Promise.all([
      call(b(), 'POST', 'refresh/', { body: { refresh: user.refresh } }),
      call(c(), 'POST', 'refresh/', { body: { refresh: user.refresh } }),
    ]);
    expect([first.status, second.status]).to.deep.equal([200, 200]);
    expect(first.body.refresh).to.equal(second.body.refresh);
  });

  it('delivers each welcome mail exactly once with a worker in every instance', async () => {
    const emails: string[] = [];
    for (let index = 0; index < 9; index += 1)
      emails.push((await register([a(), b(), c()][index % 3]!)).email);
    const delivered = (email: string) =>
      smtp.messages.filter(
        (message) =>
          message.to && !Array.isArray(message.to) && message.to.value[0]?.address === email,
      ).length;
    await waitFor(
      'every welcome mail',
      async () => (emails.every((email) => delivered(email) >= 1) ? true : undefined),
      20_000,
    );
    // Every worker polls every 100 ms: a second later a duplicate would have arrived.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(emails.map(delivered)).to.deep.equal(emails.map(() => 1));
  });

  it('restarts all three one by one under a steady load without a failed request', async () => {
    const user = await register(haproxy.baseUrl);
    const failures: string[] = [];
    let served = 0;
    let loading = true;
    const worker = async () => {
      while (loading) {
        const answer = await call(haproxy.baseUrl, 'GET', 'profile/', { token: user.access });
        if (answer.status === 200) served += 1;
        else failures.push(`${answer.status} ${JSON.stringify(answer.body)}`);
        // A steady load, not a flood: the restarting instances need the CPU too.
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    const load = Promise.all([worker(), worker()]);
    for (let index = 0; index < instances.length; index += 1) {
      const old = instances[index]!;
      old.child.kill('SIGTERM');
      const exit = await old.exited(20_000);
      expect(exit.code, old.stderr()).to.equal(0);
      instances[index] = await startScaleService(settings, old.port);
      // HAProxy takes it back after two passed checks (500 ms apart).
      await new Promise((resolve) => setTimeout(resolve, 1500));
    }
    loading = false;
    await load;
    process.stdout.write(
      `      rolling restart: ${served} requests served, ${failures.length} failed\n`,
    );
    expect(failures, failures.slice(0, 3).join('; ')).to.deep.equal([]);
    expect(served).to.be.above(30);
  });
});
