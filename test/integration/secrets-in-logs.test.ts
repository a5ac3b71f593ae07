/**
 * The real process, in production mode at the most verbose log level, runs every flow that
 * handles a secret: register, verify, login (also over tRPC, single and batched), refresh,
 * change password, forgot and reset password, logout, failed logins, bad tokens, a request
 * that fails with a 500 while it holds a fresh reset link, and the operator CLI. Mail goes to a
 * real SMTP server that requires a login. Every line the processes wrote is then searched for
 * every secret the run used or saw: no password, token, Authorization or Cookie value, reset or
 * verification token, SMTP password or SECRET_KEY may appear, in full or as a token's signature.
 */
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import type { ParsedMail } from 'mailparser';
import pg from 'pg';
import { startSmtpStandIn, type SmtpStandIn } from '../helpers/email-peers.js';
import { uniqueEmail } from '../helpers/factories.js';
import { runToEnd, startService, tsxArgs, type RunningService } from '../helpers/spawn-service.js';
import { testEnvironment } from '../setup.js';
import type { Json } from '../helpers/json.js';

const FRONTEND = 'https://app.example.test';
const SMTP_USER = 'mailer@example.test';
/** Long enough for every ordinary statement on a loaded machine; the locked insert outlasts it. */
const STATEMENT_TIMEOUT_MS = 2000;
const JWT_SHAPE = /eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]*/;
const LIVE_LINK = /token=[\w-]{20,}/;

/** Every secret the run handles, with what it is, so a failure names the kind of leak. */
class Secrets {
  readonly all = new Map<string, string>();
  add(label: string, value: string | undefined | null) {
    if (!value) return;
    this.all.set(value, label);
    // A JWT's signature alone would let nobody forge it, but its presence means the token leaked.
    const parts = value.split('.');
    if (parts.length === 3 && value.startsWith('eyJ'))
      this.all.set(parts[2]!, `${label} (signature)`);
  }
}

describe('secrets in the logs', function () {
  this.timeout(180_000);

  let smtp: SmtpStandIn;
  let service: RunningService | undefined;
  const secrets = new Secrets();
  const smtpPassword = `smtp-${randomBytes(12).toString('base64url')}`;
  const secretKey = randomBytes(48).toString('base64url');
  const cookie = `auth_refresh=${randomBytes(24).toString('base64url')}`;
  let settings: Record<string, string>;

  before(async function () {
    const environment = testEnvironment();
    if (!environment.redisUrl) this.skip(); // production needs Redis
    smtp = await startSmtpStandIn({ user: SMTP_USER, password: smtpPassword });
    secrets.add('SMTP password', smtpPassword);
    secrets.add('SECRET_KEY', secretKey);
    secrets.add('Cookie header', cookie);
    settings = {
      NODE_ENV: 'production',
      SECRET_KEY: secretKey,
      DATABASE_URL: environment.databaseUrl,
      REDIS_URL: environment.redisUrl!,
      REDIS_KEY_PREFIX: `${environment.redisKeyPrefix}secrets:`,
      MIGRATE_ON_START: 'false',
      DB_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS),
      LOG_LEVEL: 'trace',
      ALLOWED_HOSTS: '127.0.0.1',
      FRONTEND_URL: FRONTEND,
      EMAIL_HOST: '127.0.0.1',
      EMAIL_PORT: String(smtp.port),
      EMAIL_USE_TLS: 'false',
      EMAIL_HOST_USER: SMTP_USER,
      EMAIL_HOST_PASSWORD: smtpPassword,
      EMAIL_OUTBOX_POLL_MS: '100',
      SCRYPT_LOG_N: '12',
      REFRESH_REUSE_GRACE_SECONDS: '0',
    };
    service = await startService(settings);
  });

  after(async () => {
    await service?.kill();
    await smtp?.close();
  });

  async function call(
    path: string,
    options: { body?: unknown; bearer?: string; method?: string } = {},
  ): Promise<{ status: number; body: Json }> {
    const headers: Record<string, string> = { cookie, 'content-type': 'application/json' };
    if (options.bearer) {
      headers.authorization = `Bearer ${options.bearer}`;
      secrets.add('Authorization header', headers.authorization);
    }
    const response = await fetch(`${service!.baseUrl}${path}`, {
      method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await response.text();
    const body = (text ? JSON.parse(text) : {}) as Json;
    collectTokens(body);
    return { status: response.status, body };
  }

  const status = async (path: string, options: Parameters<typeof call>[1]) =>
    (await call(path, options)).status;

  async function login(email: string, secret: string) {
    const response = await call('/api/auth/login/', { body: { email, password: secret } });
    expect(response.status, JSON.stringify(response.body)).to.equal(200);
    return response.body.tokens as { access: string; refresh: string };
  }

  /** Every token a response carries, wherever it sits. */
  function collectTokens(value: unknown, key = '') {
    if (typeof value === 'string' && /^(access|refresh|token)$/.test(key)) {
      secrets.add(`${key} token from a response`, value);
    } else if (value && typeof value === 'object') {
      for (const [name, inner] of Object.entries(value)) collectTokens(inner, name);
    }
  }

  async function mailTo(email: string, subject: RegExp): Promise<ParsedMail> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const found = smtp.messages.find(
        (message) =>
          subject.test(message.subject ?? '') &&
          !Array.isArray(message.to) &&
          message.to?.value[0]?.address === email,
      );
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no mail "${subject}" to ${email}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** The token of the first `${FRONTEND}/<page>?token=` link in a mail's text part. */
  function tokenIn(mail: ParsedMail, page: string): string {
    const link = new RegExp(`${FRONTEND}/${page}\\?token=[\\w-]+`).exec(mail.text ?? '')?.[0];
    expect(link, mail.text).to.be.a('string');
    const token = new URL(link!).searchParams.get('token')!;
    secrets.add(`${page} token from a mail`, token);
    return token;
  }

  const password = (label: string) => {
    const value = `Pw-${label}-${randomBytes(9).toString('base64url')}`;
    secrets.add(`password (${label})`, value);
    return value;
  };

  it('writes no password, token, Authorization, Cookie or credential at LOG_LEVEL=trace', async () => {
    const email = uniqueEmail('secrets');
    const first = password('first');
    const registered = await call('/api/auth/register/', {
      body: { email, full_name: 'Log Reader', password: first, password_confirm: first },
    });
    expect(registered.status, JSON.stringify(registered.body)).to.equal(201);

    const verifyToken = tokenIn(await mailTo(email, /confirm/i), 'verify-email');
    const bogusVerify = randomBytes(32).toString('base64url');
    secrets.add('made-up verification token', bogusVerify);
    expect(await status('/api/auth/verify-email/', { body: { token: bogusVerify } })).to.equal(400);
    expect(await status('/api/auth/verify-email/', { body: { token: verifyToken } })).to.equal(200);

    // Failed logins: a wrong password, an unknown email, a batch of wrong passwords over tRPC.
    const wrong = password('wrong');
    const nobody = uniqueEmail('nobody');
    expect(await status('/api/auth/login/', { body: { email, password: wrong } })).to.equal(401);
    expect(await status('/api/auth/login/', { body: { email: nobody, password: wrong } })).to.equal(
      401,
    );
    const wrongLogin = { json: { email, password: wrong } };
    // Two password checks in one batch are refused whole (400); one beside a read is checked.
    expect(
      await status('/trpc/auth.login,auth.login?batch=1', {
        body: { 0: wrongLogin, 1: wrongLogin },
      }),
    ).to.equal(400);
    expect(
      await status('/trpc/auth.login,auth.forgotPassword?batch=1', {
        body: { 0: wrongLogin, 1: { json: { email: nobody } } },
      }),
    ).to.equal(207);
    expect(
      await status('/trpc/auth.login', { body: { json: { email, password: first } } }),
    ).to.equal(200);

    const session = await login(email, first);
    expect(await status('/api/auth/profile/', { bearer: session.access })).to.equal(200);
    expect(await status('/trpc/profile.get', { bearer: session.access })).to.equal(200);
    // Bad credentials: a refresh token where an access token belongs, a forged one, garbage.
    expect(await status('/api/auth/profile/', { bearer: session.refresh })).to.equal(401);
    const forged = `${session.access.slice(0, -4)}AAAA`;
    expect(await status('/api/auth/profile/', { bearer: forged })).to.equal(401);
    const garbage = randomBytes(30).toString('hex');
    expect(await status('/api/auth/profile/', { bearer: garbage })).to.equal(401);

    const rotated = await call('/api/auth/refresh/', { body: { refresh: session.refresh } });
    expect(rotated.status).to.equal(200);
    expect(
      await status('/api/auth/refresh/', { body: { refresh: session.refresh } }),
      'reuse of a rotated refresh token',
    ).to.equal(401);

    // Reuse ended that family; a new login carries on.
    const next = await login(email, first);
    const second = password('second');
    const change = (current: string) => ({
      bearer: next.access,
      body: { current_password: current, new_password: second, new_password_confirm: second },
    });
    expect(await status('/api/auth/change-password/', change(wrong))).to.equal(400);
    expect(await status('/api/auth/change-password/', change(first))).to.equal(200);

    // A 5xx while the request holds a fresh reset link: the outbox table is locked, so the
    // insert of the reset mail outlasts the statement timeout.
    const locker = new pg.Client({ connectionString: testEnvironment().databaseUrl });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE email_outbox IN ACCESS EXCLUSIVE MODE');
      expect(await status('/api/auth/forgot-password/', { body: { email } })).to.be.at.least(500);
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
    }

    expect(await status('/api/auth/forgot-password/', { body: { email } })).to.equal(200);
    const resetToken = tokenIn(await mailTo(email, /reset/i), 'reset-password');
    const third = password('third');
    const bogusReset = randomBytes(32).toString('base64url');
    secrets.add('made-up reset token', bogusReset);
    const reset = (token: string) => ({
      body: { token, password: third, password_confirm: third },
    });
    expect(await status('/api/auth/reset-password/', reset(bogusReset))).to.equal(400);
    expect(await status('/api/auth/reset-password/', reset(resetToken))).to.equal(200);
    expect(await status('/api/auth/reset-password/', reset(resetToken))).to.equal(400);

    const last = await login(email, third);
    const logout = { bearer: last.access, body: { refresh: last.refresh } };
    expect(await status('/api/auth/logout/', logout)).to.equal(200);
    expect(await status('/api/auth/profile/', { bearer: last.access })).to.equal(401);

    // The operator CLI, with the same environment.
    const superuserPassword = password('superuser');
    const cli = await runToEnd(
      tsxArgs(
        'server/cli.ts',
        'createsuperuser',
        '--email',
        uniqueEmail('root'),
        '--full-name',
        'Root',
      ),
      { ...settings, AUTH_SUPERUSER_PASSWORD: superuserPassword },
      60_000,
    );
    expect(cli.code, cli.stderr).to.equal(0);

    // Stop the service so everything it buffered is written.
    service!.child.kill('SIGTERM');
    const exit = await service!.exited(30_000);
    expect(exit.code, service!.stderr()).to.equal(0);

    const output = [service!.stdout(), service!.stderr(), cli.stdout, cli.stderr].join('\n');
    const lines = output.split('\n').filter((line) => line.trim() !== '');
    // The log really covers the run: the start, the requests, the mail, the failure, the stop.
    expect(output).to.match(/listening on/);
    expect(output).to.match(/POST \/api\/auth\/login\/ 401/);
    expect(output).to.match(/"msg":"email sent"/);
    expect(output).to.match(/"msg":"request failed"/);
    expect(output).to.match(/shutdown complete/);
    expect(secrets.all.size).to.be.above(20);

    for (const [secret, label] of secrets.all) {
      const leaks = lines.filter((line) => line.includes(secret));
      expect(leaks, `${label} appears in the log`).to.deep.equal([]);
    }
    expect(
      lines.filter((line) => JWT_SHAPE.test(line)),
      'a JWT in the log',
    ).to.deep.equal([]);
    expect(
      lines.filter((line) => LIVE_LINK.test(line)),
      'a link with a token',
    ).to.deep.equal([]);
  });
});
