/**
 * The service under a steady mixed load while its dependencies fail: Redis killed, Redis
 * stalled, PostgreSQL cut, the service itself SIGKILLed. Each scenario has its own
 * redis-server, database and service process (scenario.ts); the load runs in another process.
 * Every answer is recorded and held against what docs/resilience.md promises.
 */
import { expect } from 'chai';
import { checkAcknowledged, halfDone } from './acknowledged.js';
import { statuses, summarize, within } from './figures.js';
import type { Answer } from './load-generator.js';
import {
  HANG_BOUND_MS,
  REDIS_COMMAND_TIMEOUT_MS,
  startScenario,
  type Scenario,
} from './scenario.js';
import { getJson, sleep, timeUntil } from './timing.js';

const WARM_MS = 5000;
const FAULT_MS = 10_000;
const AFTER_MS = 10_000;
const RECOVERY_BOUND_MS = 5000;
const READS = ['read-rest', 'read-trpc'];
const SIGN_INS = ['login', 'register'];
const LIMITER_DEGRADED =
  'rate limits: Redis unreachable; counting in this process until it is back';
const LIMITER_BACK = 'rate limits: Redis reachable again; counting in Redis';

const count = (text: string, needle: string) => text.split(needle).length - 1;
const serverErrors = (answers: Answer[]) =>
  answers.filter((a) => a.status >= 500 && a.status !== 503);

async function backOnRedis(scenario: Scenario, limiterBackBefore: number) {
  const { status, body } = await getJson(`${scenario.service.baseUrl}/health/`);
  const cache = (body as { checks?: { cache?: string } }).checks?.cache;
  return (
    status === 200 &&
    cache === 'ok' &&
    count(scenario.service.stdout(), LIMITER_BACK) > limiterBackBefore
  );
}

/** Runs the load for warm + fault + after, calling `fault` and `heal` on time. */
async function underLoad(
  scenario: Scenario,
  fault: () => Promise<void> | void,
  heal: () => Promise<void> | void,
  recovered: () => Promise<boolean>,
) {
  const loading = scenario.load(WARM_MS + FAULT_MS + AFTER_MS);
  await sleep(WARM_MS);
  const faultFrom = Date.now();
  const printedBefore = scenario.service.stdout().length;
  await fault();
  await sleep(FAULT_MS);
  const faultTo = Date.now();
  // What the service printed during the fault (one outage: its fallback is logged once).
  const printedDuring = scenario.service.stdout().slice(printedBefore);
  await heal();
  const recoveryMs = await timeUntil(recovered, RECOVERY_BOUND_MS * 2, 'recovery');
  const recorded = await loading;
  // The slowest answer before the fault: what the box gives anyway (a loaded 2-core machine can
  // take seconds). Bounds during the fault are this plus what the fault may add.
  // The load's first two seconds (cold code paths) are left out.
  const warm = faultFrom - WARM_MS + 2000;
  const before = recorded.answers.filter((a) => a.t >= warm && a.t + a.ms < faultFrom);
  const slowestBeforeMs = Math.max(0, ...before.map((a) => a.ms));
  return { ...recorded, faultFrom, faultTo, recoveryMs, printedDuring, slowestBeforeMs };
}

describe('resilience: the service under a mixed load while its dependencies fail', function () {
  this.timeout(180_000);
  let scenario: Scenario | undefined;

  afterEach(async () => {
    await scenario?.close();
    scenario = undefined;
  });

  async function expectRedisOutageHeld(run: Awaited<ReturnType<typeof underLoad>>, bound: number) {
    const { answers, faultFrom, faultTo } = run;
    expect(serverErrors(answers), 'answers 5xx').to.deep.equal([]);
    expect(
      answers.filter((a) => a.status === 0),
      'requests without an answer',
    ).to.deep.equal([]);
    const during = within(answers, faultFrom, faultTo);
    expect(Math.max(...during.map((a) => a.ms)), 'longest answer during the fault').to.be.below(
      bound,
    );
    expect(statuses(within(answers, faultFrom, faultTo, READS)), 'reads').to.have.keys('200');
    const signIns = within(answers, faultFrom, faultTo, SIGN_INS);
    expect(signIns.length, 'logins and registrations during the fault').to.be.above(0);
    expect(
      signIns.filter((a) => a.status >= 300),
      'refused logins and registrations',
    ).to.deep.equal([]);
    const revoked = answers.filter((a) => a.op === 'revoked-read');
    expect(revoked.length, 'reads with an ended session').to.be.above(0);
    expect(statuses(revoked), 'reads with an ended session').to.have.keys('401');
    expect(count(run.printedDuring, LIMITER_DEGRADED), 'the fallback logged once').to.equal(1);
    const { problems } = await checkAcknowledged(scenario!, run.acks);
    expect(problems).to.deep.equal([]);
  }

  it('Redis killed for 10 s: reads 200 with revocation enforced, sign-ins served, no 5xx, back on Redis within 5 s', async () => {
    scenario = await startScenario('redis_kill');
    const s = scenario;
    let limiterBack = 0;
    const run = await underLoad(
      s,
      () => s.redis.kill(),
      async () => {
        limiterBack = count(s.service.stdout(), LIMITER_BACK);
        await s.redis.start();
      },
      () => backOnRedis(s, limiterBack),
    );
    summarize('Redis killed 10 s', run.answers, { recoveryMs: run.recoveryMs });
    await expectRedisOutageHeld(run, run.slowestBeforeMs + HANG_BOUND_MS);
    expect(run.recoveryMs).to.be.below(RECOVERY_BOUND_MS);
  });

  it('Redis stalled (SIGSTOP) for 10 s: the same, and no answer waits much past the command timeout', async () => {
    scenario = await startScenario('redis_stall');
    const s = scenario;
    let limiterBack = 0;
    const run = await underLoad(
      s,
      () => s.redis.stall(),
      () => {
        limiterBack = count(s.service.stdout(), LIMITER_BACK);
        s.redis.resume();
      },
      () => backOnRedis(s, limiterBack),
    );
    const slowest = within(run.answers, run.faultFrom, run.faultTo).sort((a, b) => b.ms - a.ms)[0];
    const longest = `${slowest?.ms} ms (${slowest?.op})`;
    summarize('Redis stalled 10 s', run.answers, {
      recoveryMs: run.recoveryMs,
      notes: `command timeout ${REDIS_COMMAND_TIMEOUT_MS} ms; slowest before the stall ${run.slowestBeforeMs} ms, during it ${longest}`,
    });
    await expectRedisOutageHeld(
      run,
      run.slowestBeforeMs + REDIS_COMMAND_TIMEOUT_MS + STALL_SLACK_MS,
    );
    expect(run.recoveryMs).to.be.below(RECOVERY_BOUND_MS);
  });

  it('PostgreSQL backends terminated and cut for 10 s: 503 SERVICE_UNAVAILABLE with Retry-After (never 500), ready 503, recovered within 5 s', async () => {
    scenario = await startScenario('postgres_cut');
    const s = scenario;
    let readyDuring: { status: number; retryAfter: string | null } | undefined;
    const run = await underLoad(
      s,
      async () => {
        // The service's backends terminated under their queries (57P01), then no new ones.
        await s.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid()`,
        );
        await s.postgres.stop();
        const ready = await getJson(`${s.service.baseUrl}/health/ready`);
        readyDuring = { status: ready.status, retryAfter: ready.headers.get('retry-after') };
      },
      () => s.postgres.start(),
      async () => {
        const ready = await getJson(`${s.service.baseUrl}/health/ready`);
        return ready.status === 200;
      },
    );
    summarize('PostgreSQL terminated + cut 10 s', run.answers, { recoveryMs: run.recoveryMs });
    const { answers } = run;
    expect(serverErrors(answers), 'answers 5xx other than 503').to.deep.equal([]);
    expect(
      answers.filter((a) => a.status === 0),
      'requests without an answer',
    ).to.deep.equal([]);
    expect(Math.max(...answers.map((a) => a.ms)), 'longest answer').to.be.below(
      run.slowestBeforeMs + HANG_BOUND_MS,
    );
    const unavailable = answers.filter((a) => a.status === 503);
    expect(unavailable.length, '503s during the cut').to.be.above(0);
    for (const answer of unavailable) {
      expect(answer, 'a 503').to.include({ code: 'SERVICE_UNAVAILABLE', retryAfter: true });
    }
    expect(readyDuring).to.deep.include({ status: 503 });
    expect(readyDuring?.retryAfter).to.match(/^\d+$/);
    expect(run.recoveryMs).to.be.below(RECOVERY_BOUND_MS);
    const after = within(answers, run.faultTo + run.recoveryMs + 1000, Infinity);
    expect(
      after.filter((a) => a.status === 503),
      '503s after recovery',
    ).to.deep.equal([]);
    const { problems } = await checkAcknowledged(s, run.acks);
    expect(problems).to.deep.equal([]);
  });

  it('the service SIGKILLed under load and started again: nothing half-written, tokens still work, queued mail sent once', async () => {
    scenario = await startScenario('crash');
    const s = scenario;
    const account = await registerAccount(s.service.baseUrl);
    const loading = s.load(WARM_MS + 3000);
    await sleep(WARM_MS);
    // Mail queued just before the crash: the outbox must send each after the restart, once.
    await Promise.all(
      [account.email, 'nobody@example.com'].map((email) =>
        fetch(`${s.service.baseUrl}/api/auth/forgot-password/`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email }),
        }),
      ),
    );
    s.service.child.kill('SIGKILL');
    const run = await loading;
    await s.restartService();
    summarize('service SIGKILLed', run.answers, {
      notes: 'no answer = requests to the dead process',
    });
    expect(serverErrors(run.answers), 'answers 5xx').to.deep.equal([]);
    expect(await halfDone(s)).to.deep.equal([]);
    const profile = await fetch(`${s.service.baseUrl}/api/auth/profile/`, {
      headers: { authorization: `Bearer ${account.tokens.access}` },
    });
    expect(profile.status, 'an access token from before the crash').to.equal(200);
    const refreshed = await fetch(`${s.service.baseUrl}/api/auth/refresh/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refresh: account.tokens.refresh }),
    });
    expect(refreshed.status, 'a refresh token from before the crash').to.equal(200);
    await timeUntil(
      async () => {
        const rows = await s.query<{ pending: string }>(
          `SELECT count(*) AS pending FROM email_outbox WHERE status <> 'sent'`,
        );
        return rows[0]?.pending === '0';
      },
      20_000,
      'queued mail sent after the restart',
    );
    const resets = await s.query<{ id: string }>(
      `SELECT id FROM email_outbox WHERE recipient = $1 AND kind = 'password_reset'`,
      [account.email],
    );
    expect(resets.length, 'the reset mail queued before the crash').to.equal(1);
    const output = s.allStdout();
    for (const { id } of await s.query<{ id: string }>('SELECT id FROM email_outbox')) {
      expect(count(output, `----- email ${id} `), `mail ${id} sent once`).to.equal(1);
    }
    const { problems } = await checkAcknowledged(s, run.acks);
    expect(problems).to.deep.equal([]);
  });
});

/** Slack over the slowest answer before the stall plus the command timeout. */
const STALL_SLACK_MS = 1000;

async function registerAccount(baseUrl: string) {
  const email = `crash-${Date.now()}@example.com`;
  const password = 'Correct-Horse-Battery-9';
  const response = await fetch(`${baseUrl}/api/auth/register/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, full_name: 'Crash Test', password, password_confirm: password }),
  });
  const body = (await response.json()) as { tokens: { access: string; refresh: string } };
  return { email, tokens: body.tokens };
}
