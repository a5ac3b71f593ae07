/**
 * Delivery that loses nothing: requests never wait on or fail because of the provider; mail is
 * written with the change that causes it; the worker retries what failed for a while, gives up
 * on what was refused for good, survives a restart and a crashed worker, and two workers never
 * send one message twice. The provider is a local HTTP server answering as SendGrid would.
 */
import { expect } from 'chai';
import { createEmailOutboxRepository } from '../../server/repositories/email-outbox.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { ManualClock } from '../helpers/clock.js';
import {
  capturingLogger,
  startSendGridStandIn,
  startSmtpStandIn,
  type SendGridStandIn,
} from '../helpers/email-peers.js';
import { registerUser, uniqueEmail } from '../helpers/factories.js';

const API_KEY = 'SG.do-not-log-this-key';

const outboxOf = (testApp: TestApp) =>
  createEmailOutboxRepository(testApp.deps.database.sequelize, testApp.deps.database.models);

const worker = (testApp: TestApp) => testApp.deps.emailWorker!;

/** POSTs the stand-in accepted, per outbox id. */
function deliveriesById(sendgrid: SendGridStandIn, accepted: Set<number>) {
  const counts = new Map<string, number>();
  sendgrid.requests.forEach((request, index) => {
    if (!accepted.has(index)) return;
    const id = request.body.custom_args.outbox_id as string;
    counts.set(id, (counts.get(id) ?? 0) + 1);
  });
  return counts;
}

describe('the email outbox', () => {
  let sendgrid: SendGridStandIn;
  let clock: ManualClock;
  const apps: TestApp[] = [];

  const outboxApp = async (
    env: Record<string, string> = {},
    overrides: Parameters<typeof createTestApp>[0] extends infer O
      ? O extends { overrides?: infer V }
        ? V
        : never
      : never = {},
  ) => {
    const testApp = await createTestApp({
      env: {
        SENDGRID_API_KEY: API_KEY,
        SENDGRID_API_URL: sendgrid.url,
        EMAIL_OUTBOX_BACKOFF_BASE_MS: '1000',
        EMAIL_OUTBOX_BACKOFF_MAX_MS: '60000',
        ...env,
      },
      overrides: { mailer: undefined, clock, ...overrides },
    });
    apps.push(testApp);
    return testApp;
  };

  beforeEach(async () => {
    sendgrid = await startSendGridStandIn();
    clock = new ManualClock();
  });
  afterEach(async () => {
    for (const testApp of apps.splice(0)) await testApp.deps.close();
    await sendgrid.close();
  });

  it('answers requests while SendGrid is down and delivers each message exactly once when it is back', async () => {
    let down = true;
    const accepted = new Set<number>();
    sendgrid.answer = (_request, index) => {
      if (down) return { status: 503, body: { errors: [{ message: 'Service Unavailable' }] } };
      accepted.add(index);
      return { status: 202 };
    };
    const testApp = await outboxApp();
    const users = [];
    for (let index = 0; index < 3; index += 1) users.push(await registerUser(testApp));
    const forgot = await testApp
      .http()
      .post('/api/auth/forgot-password/')
      .send({ email: users[0]!.email });
    expect(forgot.status).to.equal(200);

    // Down for three rounds: each message is tried, fails, and waits longer each time.
    for (let round = 1; round <= 3; round += 1) {
      expect(await worker(testApp).drain()).to.equal(4);
      const rows = await outboxOf(testApp).list();
      expect(rows.map((row) => row.status)).to.deep.equal(Array(4).fill('pending'));
      expect(rows.map((row) => row.attempts)).to.deep.equal(Array(4).fill(round));
      expect(rows[0]!.lastError).to.equal('SendGrid answered 503: Service Unavailable');
      // Not due again before its backoff (at least half of 1 s * 2^(round - 1)) has passed.
      clock.advanceSeconds(0.4);
      expect(await worker(testApp).drain()).to.equal(0);
      clock.advanceSeconds(60);
    }
    expect(sendgrid.requests).to.have.length(12);

    down = false;
    expect(await worker(testApp).drain()).to.equal(4);
    clock.advanceSeconds(3600);
    expect(await worker(testApp).drain(), 'nothing left to send').to.equal(0);

    const counts = deliveriesById(sendgrid, accepted);
    const rows = await outboxOf(testApp).list();
    expect(rows.map((row) => row.status)).to.deep.equal(Array(4).fill('sent'));
    expect(rows.map((row) => counts.get(row.id))).to.deep.equal([1, 1, 1, 1]);
    expect(sendgrid.requests).to.have.length(16);
  });

  it('delivers after a restart what was waiting, and what a crashed worker had claimed', async () => {
    const before = await outboxApp();
    const first = await registerUser(before);
    const second = await registerUser(before);
    // A worker claims the second message and dies before sending it.
    const [claimed] = await outboxOf(before).claim({
      workerId: 'crashed-worker',
      now: clock.now(),
      leaseMs: 30_000,
      limit: 1,
    });
    expect(claimed!.recipient).to.equal(first.email);
    await before.deps.close();
    expect(sendgrid.requests).to.have.length(0);

    const after = await outboxApp();
    expect(await worker(after).drain()).to.equal(1);
    expect(
      sendgrid.requests.map((request) => request.body.personalizations[0].to[0].email),
    ).to.deep.equal([second.email]);
    clock.advanceSeconds(31);
    expect(await worker(after).drain(), 'the lapsed claim is taken over').to.equal(1);
    const rows = await outboxOf(after).list();
    expect(rows.map((row) => row.status)).to.deep.equal(['sent', 'sent']);
    expect(rows.find((row) => row.recipient === first.email)!.attempts).to.equal(2);
    expect(sendgrid.requests).to.have.length(2);
  });

  it('never sends a message twice when two instances deliver at once', async function () {
    this.timeout(60_000);
    const accepted = new Set<number>();
    // A slow provider keeps each worker busy while the other claims.
    sendgrid.answer = (_request, index) => {
      accepted.add(index);
      return { status: 202 };
    };
    // A slow provider keeps each worker busy with a batch while the other claims the next.
    sendgrid.delayMs = 5;
    const env = { EMAIL_OUTBOX_BATCH_SIZE: '3' };
    // Two instances: each worker claims over its own database connections.
    const one = await outboxApp(env);
    const two = await outboxApp(env);
    expect(worker(one).id).to.not.equal(worker(two).id);
    for (let index = 0; index < 40; index += 1) {
      await one.deps.mailer.sendEmailVerified({ to: uniqueEmail('pair') });
    }
    const [byOne, byTwo] = await Promise.all([worker(one).drain(), worker(two).drain()]);
    expect(byOne + byTwo).to.equal(40);
    expect(byOne, 'both instances took part').to.be.greaterThan(0);
    expect(byTwo, 'both instances took part').to.be.greaterThan(0);
    const counts = deliveriesById(sendgrid, accepted);
    expect(counts.size).to.equal(40);
    expect([...counts.values()].every((count) => count === 1)).to.equal(true);
    expect(sendgrid.requests).to.have.length(40);
  });

  it('marks a message SendGrid refuses for good as failed and does not send it again', async () => {
    sendgrid.answer = () => ({
      status: 400,
      body: {
        errors: [
          {
            message: 'Does not contain a valid address.',
            field: 'personalizations.0.to.0.email',
          },
        ],
      },
    });
    const testApp = await outboxApp();
    await registerUser(testApp);
    await worker(testApp).drain();
    clock.advanceSeconds(24 * 3600);
    expect(await worker(testApp).drain()).to.equal(0);
    const [row] = await outboxOf(testApp).list();
    expect(row).to.include({ status: 'failed', attempts: 1 });
    expect(row!.lastError).to.equal(
      'SendGrid answered 400: Does not contain a valid address. (personalizations.0.to.0.email)',
    );
    expect(row!.failedAt).to.be.instanceOf(Date);
    expect(row!.payload, 'the verification link is dropped once given up').to.deep.equal({});
    expect(sendgrid.requests).to.have.length(1);
  });

  it('gives up after EMAIL_OUTBOX_MAX_ATTEMPTS transient failures', async () => {
    sendgrid.answer = () => ({ status: 429, headers: { 'Retry-After': '2' } });
    const testApp = await outboxApp({ EMAIL_OUTBOX_MAX_ATTEMPTS: '3' });
    await registerUser(testApp);
    for (let round = 0; round < 5; round += 1) {
      await worker(testApp).drain();
      clock.advanceSeconds(120);
    }
    const [row] = await outboxOf(testApp).list();
    expect(row).to.include({ status: 'failed', attempts: 3 });
    expect(row!.lastError).to.match(/^SendGrid answered 429/);
    expect(row!.payload, 'the verification link is dropped once given up').to.deep.equal({});
    expect(sendgrid.requests).to.have.length(3);
  });

  it('keeps no live link in a row once it is sent or given up, only what an operator needs', async () => {
    // The first message is refused for good, the rest delivered.
    sendgrid.answer = (_request, index) =>
      index === 0
        ? { status: 400, body: { errors: [{ message: 'Bad address.' }] } }
        : { status: 202 };
    const testApp = await outboxApp();
    const refused = await registerUser(testApp);
    const delivered = await registerUser(testApp);
    for (const email of [refused.email, delivered.email]) {
      const forgot = await testApp.http().post('/api/auth/forgot-password/').send({ email });
      expect(forgot.status).to.equal(200);
    }
    const { sequelize } = testApp.deps.database;
    const stored = async () =>
      (
        await sequelize.query('SELECT row_to_json(o)::text AS row FROM email_outbox o', {
          plain: false,
          raw: true,
        })
      )[0] as Array<{ row: string }>;
    const waiting = await stored();
    expect(
      waiting.filter(({ row }) => row.includes('token=')),
      'links wait in the outbox',
    ).to.have.length(4);

    await worker(testApp).drain();
    const rows = await outboxOf(testApp).list();
    expect(rows.map((row) => row.status).sort()).to.deep.equal(['failed', 'sent', 'sent', 'sent']);
    for (const { row } of await stored()) expect(row).to.not.include('token=');
    for (const row of rows) {
      expect(row.payload).to.deep.equal({});
      expect(row.recipient).to.be.oneOf([refused.email, delivered.email]);
      expect(row.kind).to.be.oneOf(['welcome', 'password_reset']);
      expect(row.attempts).to.equal(1);
      expect(row.createdAt).to.be.instanceOf(Date);
      expect(row.sentAt ?? row.failedAt).to.be.instanceOf(Date);
    }
    expect(rows.find((row) => row.status === 'failed')!.lastError).to.include('Bad address.');
  });

  it('waits at least as long as a 429 Retry-After asks', async () => {
    sendgrid.answer = (_request, index) =>
      index === 0 ? { status: 429, headers: { 'Retry-After': '30' } } : { status: 202 };
    const testApp = await outboxApp();
    await registerUser(testApp);
    await worker(testApp).drain();
    clock.advanceSeconds(29);
    expect(await worker(testApp).drain()).to.equal(0);
    clock.advanceSeconds(2);
    expect(await worker(testApp).drain()).to.equal(1);
    expect(sendgrid.requests).to.have.length(2);
  });

  it('writes mail only when the change that causes it commits', async () => {
    const testApp = await outboxApp();
    const outbox = outboxOf(testApp);
    const { sequelize } = testApp.deps.database;
    await sequelize
      .transaction(async (transaction) => {
        await testApp.deps.mailer.sendEmailVerified(
          { to: 'rolled-back@example.com' },
          { transaction },
        );
        throw new Error('the change fails');
      })
      .catch(() => undefined);
    // A taken email fails inside register's transaction, after the user insert.
    const user = await registerUser(testApp);
    const again = await testApp.http().post('/api/auth/register/').send({
      email: user.email,
      full_name: 'Someone Else',
      password: user.password,
      password_confirm: user.password,
    });
    expect(again.status).to.equal(400);
    const rows = await outbox.list();
    expect(rows.map((row) => row.recipient)).to.deep.equal([user.email]);
  });

  it('logs failures with the message id and without the API key', async () => {
    sendgrid.answer = () => ({ status: 401, body: { errors: [{ message: 'unauthorized' }] } });
    const { logger, lines } = capturingLogger();
    const testApp = await outboxApp({}, { logger });
    await registerUser(testApp);
    await worker(testApp).drain();
    const [row] = await outboxOf(testApp).list();
    // A refused key is our configuration, not the message's fault: it is retried.
    expect(row).to.include({ status: 'pending', lastError: 'SendGrid answered 401: unauthorized' });
    const failures = lines().filter((line) => line.includes('email delivery failed'));
    expect(failures).to.have.length(1);
    expect(JSON.parse(failures[0]!)).to.include({ outboxId: row!.id, kind: 'welcome' });
    expect(lines().join('\n')).to.not.include(API_KEY);
  });

  it('logs SMTP failures without the password', async () => {
    const smtp = await startSmtpStandIn({ user: 'mailer', password: 'right-password' });
    const { logger, lines } = capturingLogger();
    try {
      const testApp = await createTestApp({
        env: {
          EMAIL_HOST: '127.0.0.1',
          EMAIL_PORT: String(smtp.port),
          EMAIL_USE_TLS: 'false',
          EMAIL_HOST_USER: 'mailer',
          EMAIL_HOST_PASSWORD: 'wrong-password-123',
        },
        overrides: { mailer: undefined, clock, logger },
      });
      apps.push(testApp);
      await registerUser(testApp);
      await worker(testApp).drain();
      const [row] = await outboxOf(testApp).list();
      expect(row).to.include({ status: 'pending' });
      expect(row!.lastError).to.match(/^SMTP 535/);
      expect(lines().join('\n')).to.not.include('wrong-password-123');
      expect(row!.lastError).to.not.include('wrong-password-123');
    } finally {
      // The pooled SMTP connection closes first, so the server can stop at once.
      for (const testApp of apps.splice(0)) await testApp.deps.close();
      await smtp.close();
    }
  });

  it('marks a message the SMTP server refuses for good as failed, and retries a busy server', async () => {
    const smtp = await startSmtpStandIn();
    smtp.refuse = (index) => [451, 550][index] ?? null;
    try {
      const testApp = await outboxApp({
        EMAIL_BACKEND: 'smtp',
        EMAIL_HOST: '127.0.0.1',
        EMAIL_PORT: String(smtp.port),
        EMAIL_USE_TLS: 'false',
      });
      const first = await registerUser(testApp);
      await worker(testApp).drain();
      let [row] = await outboxOf(testApp).list();
      expect(row).to.include({ status: 'pending', recipient: first.email });
      expect(row!.lastError).to.match(/^SMTP 451/);
      clock.advanceSeconds(60);
      await worker(testApp).drain();
      [row] = await outboxOf(testApp).list();
      expect(row).to.include({ status: 'failed' });
      expect(row!.lastError).to.match(/^SMTP 550/);
      expect(smtp.messages).to.have.length(0);
    } finally {
      // The pooled SMTP connection closes first, so the server can stop at once.
      for (const testApp of apps.splice(0)) await testApp.deps.close();
      await smtp.close();
    }
  });

  it('delivers on its own once started, woken by the commit rather than the next poll', async () => {
    const testApp = await outboxApp({ EMAIL_OUTBOX_POLL_MS: '600000' });
    const started = worker(testApp);
    started.start();
    await registerUser(testApp);
    const deadline = Date.now() + 5000;
    while (sendgrid.requests.length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(sendgrid.requests).to.have.length(1);
    await started.stop(2000);
  });
});
