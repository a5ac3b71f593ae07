/**
 * Each transport delivers to a real local peer: SendGrid's Web API to a local HTTP server, SMTP
 * to a local SMTP server (parsed with mailparser), the console to the process's output. Mail
 * goes the production way: the request enqueues it in the outbox, the worker sends it.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, cpSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { createEmailOutboxRepository } from '../../server/repositories/email-outbox.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import {
  linkIn,
  startSendGridStandIn,
  startSmtpStandIn,
  type SendGridStandIn,
  type SmtpStandIn,
} from '../helpers/email-peers.js';
import { registerUser, STRONG_PASSWORD, uniqueEmail } from '../helpers/factories.js';
import { testEnvironment } from '../setup.js';

const BRAND = {
  APP_NAME: 'Acme',
  SUPPORT_EMAIL: 'help@acme.test',
  DEFAULT_FROM_EMAIL: 'Acme Accounts <noreply@acme.test>',
};

/** The real app, with the outbox mailer instead of the recording one. */
const outboxApp = (env: Record<string, string>) =>
  createTestApp({ env: { ...BRAND, ...env }, overrides: { mailer: undefined } });

const outboxOf = (testApp: TestApp) =>
  createEmailOutboxRepository(testApp.deps.database.sequelize, testApp.deps.database.models);

const drain = (testApp: TestApp) => testApp.deps.emailWorker!.drain();

describe('email delivery through SendGrid', () => {
  let sendgrid: SendGridStandIn;
  let testApp: TestApp;
  beforeEach(async () => {
    sendgrid = await startSendGridStandIn();
  });
  afterEach(async () => {
    await testApp?.deps.close();
    await sendgrid.close();
  });

  it('sends the welcome email with both parts and a verification link that works', async () => {
    testApp = await outboxApp({
      SENDGRID_API_KEY: 'SG.test-key',
      SENDGRID_API_URL: sendgrid.url,
    });
    const email = uniqueEmail('sg');
    const user = await registerUser(testApp, { email, full_name: 'Grace Hopper' });
    expect(sendgrid.requests, 'nothing is sent during the request').to.have.length(0);

    expect(await drain(testApp)).to.equal(1);
    expect(sendgrid.requests).to.have.length(1);
    const { headers, body } = sendgrid.requests[0]!;
    expect(headers.authorization).to.equal('Bearer SG.test-key');
    expect(body.personalizations).to.have.length(1);
    expect(body.personalizations[0].to).to.deep.equal([{ email: user.email }]);
    expect(body.from).to.deep.equal({ email: 'noreply@acme.test', name: 'Acme Accounts' });
    expect(body.subject).to.equal('Welcome to Acme: please confirm your email');
    expect(body.content.map((part: { type: string }) => part.type)).to.deep.equal([
      'text/plain',
      'text/html',
    ]);
    const [text, html] = body.content.map((part: { value: string }) => part.value) as string[];
    const link = /http:\/\/frontend\.test\/verify-email\?token=[\w-]+/.exec(text!)?.[0];
    expect(link, text).to.be.a('string');
    expect(linkIn(html!, 'http://frontend.test/verify-email')).to.equal(link);
    expect(text).to.include('help@acme.test');
    expect(html).to.include('mailto:help@acme.test');
    // Tokens must reach the user as written, not through a click-tracking redirect.
    expect(body.tracking_settings.click_tracking).to.deep.equal({
      enable: false,
      enable_text: false,
    });
    expect(body.mail_settings.sandbox_mode).to.deep.equal({ enable: false });

    const [row] = await outboxOf(testApp).list();
    expect(body.custom_args).to.deep.equal({ outbox_id: row!.id });
    expect(row).to.include({ status: 'sent', attempts: 1, providerMessageId: 'sg-1' });
    expect(row!.payload, 'the stored link is dropped once sent').to.deep.equal({});

    const token = new URL(link!).searchParams.get('token');
    const verified = await testApp.http().post('/api/auth/verify-email/').send({ token });
    expect(verified.status, JSON.stringify(verified.body)).to.equal(200);
  });

  it('asks SendGrid not to deliver when sandbox mode is on', async () => {
    testApp = await outboxApp({
      SENDGRID_API_KEY: 'SG.test-key',
      SENDGRID_API_URL: sendgrid.url,
      SENDGRID_SANDBOX_MODE: 'true',
    });
    await registerUser(testApp);
    await drain(testApp);
    expect(sendgrid.requests[0]!.body.mail_settings.sandbox_mode).to.deep.equal({ enable: true });
  });
});

describe('email delivery through SMTP', () => {
  let smtp: SmtpStandIn;
  let testApp: TestApp;
  beforeEach(async () => {
    smtp = await startSmtpStandIn({ user: 'mailer@acme.test', password: 'app-password-1234' });
    testApp = await outboxApp({
      EMAIL_HOST: '127.0.0.1',
      EMAIL_PORT: String(smtp.port),
      EMAIL_USE_TLS: 'false',
      EMAIL_HOST_USER: 'mailer@acme.test',
      EMAIL_HOST_PASSWORD: 'app-password-1234',
    });
  });
  afterEach(async () => {
    await testApp.deps.close();
    await smtp.close();
  });

  it('logs in with EMAIL_HOST_USER and sends a reset link the server receives intact', async () => {
    const user = await registerUser(testApp, { full_name: 'Katherine Johnson' });
    const forgot = await testApp
      .http()
      .post('/api/auth/forgot-password/')
      .send({ email: user.email });
    expect(forgot.status).to.equal(200);

    expect(await drain(testApp)).to.equal(2);
    expect(smtp.logins).to.include('mailer@acme.test:app-password-1234');
    expect(smtp.messages).to.have.length(2);
    const reset = smtp.messages.find((message) => /password/i.test(message.subject ?? ''))!;
    expect(reset.subject).to.equal('Reset your Acme password');
    expect(reset.from?.value).to.deep.equal([
      { address: 'noreply@acme.test', name: 'Acme Accounts' },
    ]);
    expect(reset.to && !Array.isArray(reset.to) ? reset.to.value[0]?.address : null).to.equal(
      user.email,
    );
    const link = /http:\/\/frontend\.test\/reset-password\?token=[\w-]+/.exec(
      reset.text ?? '',
    )?.[0];
    expect(link, reset.text).to.be.a('string');
    expect(linkIn(String(reset.html), 'http://frontend.test/reset-password')).to.equal(link);
    expect(reset.text).to.include('expires in 1 hour');

    const rows = await outboxOf(testApp).list();
    const row = rows.find((candidate) => candidate.kind === 'password_reset')!;
    expect(reset.messageId).to.equal(`<${row.id}@acme.test>`);
    expect(reset.headers.get('x-outbox-id')).to.equal(row.id);

    // The link in the received message is the one the service accepts.
    const token = new URL(link!).searchParams.get('token');
    const done = await testApp.http().post('/api/auth/reset-password/').send({
      token,
      password: 'Another-Strong-Passphrase-7',
      password_confirm: 'Another-Strong-Passphrase-7',
    });
    expect(done.status, JSON.stringify(done.body)).to.equal(200);
  });
});

describe('email delivery to the console', () => {
  it('prints the message with its links for a developer to follow', async () => {
    const testApp = await outboxApp({ EMAIL_BACKEND: 'console' });
    const email = uniqueEmail('console');
    await registerUser(testApp, { email });
    const printed: string[] = [];
    const write = process.stdout.write;
    process.stdout.write = ((chunk: string | Uint8Array) => {
      printed.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    try {
      await drain(testApp);
    } finally {
      process.stdout.write = write;
      await testApp.deps.close();
    }
    const output = printed.join('');
    expect(output).to.include(`To: ${email}`);
    expect(output).to.include('Subject: Welcome to Acme: please confirm your email');
    expect(output).to.match(/http:\/\/frontend\.test\/verify-email\?token=[\w-]+/);
  });
});

describe('email templates at start-up', () => {
  it('stops the service from starting when a template is missing, naming the file', async function () {
    this.timeout(60_000);
    const directory = mkdtempSync(join(tmpdir(), 'email-templates-'));
    try {
      cpSync('templates/email', directory, { recursive: true });
      rmSync(join(directory, 'password-reset.html.hbs'));
      const { code, output } = await runService({
        TEMPLATES_DIR: directory,
        DATABASE_URL: testEnvironment().databaseUrl,
      });
      expect(code).to.equal(1);
      expect(output).to.match(
        /failed to start: email template missing: .*password-reset\.html\.hbs/,
      );
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});

/** Starts `server/index.ts` with this environment and waits (bounded) for it to exit. */
function runService(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/index.ts'], {
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'development',
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'silent',
        SECRET_KEY: STRONG_PASSWORD.repeat(3),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the service did not exit within 45 s:\n${output}`));
    }, 45_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
