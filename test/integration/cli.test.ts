/**
 * The operator's CLI against the test database and Redis. Its commands run in this process
 * (server/cli.ts `runCli`) with their input and output handed in: flags and environment,
 * stdin lines, and a stand-in terminal for the interactive prompts. Two smoke tests run it as
 * the separate process an operator starts, to hold the wiring to the real streams and exit code.
 */
import { spawn } from 'node:child_process';
import { PassThrough, Writable } from 'node:stream';
import { expect } from 'chai';
import { decodeProtectedHeader } from 'jose';
import pg from 'pg';
import { runCli, type CliIo } from '../../server/cli.js';
import { openInput } from '../../server/cli/input.js';
import { loadCommandEnvironment } from '../../server/cli/runtime.js';
import { NAME_CHARACTERS_MESSAGE } from '../../server/schemas/person-name.js';
import { testEnvironment } from '../setup.js';
import { bearer, createTestApp, TEST_SECRET_KEY, type TestApp } from '../helpers/app.js';
import { signedIn, superuser } from '../helpers/accounts.js';
import { login, registerUser, uniqueEmail } from '../helpers/factories.js';
import { closeLimitedApps, createLimitedApp } from '../helpers/rate-limit.js';
import { TEST_DATABASE } from '../helpers/run-id.js';

const GOOD_PASSWORD = 'Zebra-Lamp-Quartz-42';
const PROCESS_TIMEOUT_MS = 30_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cliEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const environment = testEnvironment();
  const variables: NodeJS.ProcessEnv = { ...process.env };
  delete variables.AUTH_SUPERUSER_PASSWORD;
  Object.assign(variables, {
    NODE_ENV: 'test',
    SECRET_KEY: TEST_SECRET_KEY,
    DATABASE_URL: environment.databaseUrl,
    // The test app's store uses this prefix, so revocations reach the tests' app at once.
    REDIS_KEY_PREFIX: environment.redisKeyPrefix,
    SCRYPT_LOG_N: '10',
    SCRYPT_R: '8',
    SCRYPT_P: '1',
    LOG_LEVEL: 'silent',
    ...environment.redisEnv,
    ...extra,
  });
  return variables;
}

/** Input and output for one in-process run; `stdin` is what a pipe would carry. */
function io(
  env: Record<string, string> | undefined,
  streams: { stdin: NodeJS.ReadableStream & { isTTY?: boolean }; stdout: NodeJS.WritableStream },
  write: { out(text: string): void; err(text: string): void },
): CliIo {
  return {
    ...write,
    environment: () => loadCommandEnvironment(cliEnvironment(env)),
    openInput: () => openInput(streams.stdin, streams.stdout),
  };
}

/** Runs a command in this process with `stdin` piped in (not a terminal). */
async function runCommand(
  args: string[],
  options: { stdin?: string; env?: Record<string, string> } = {},
): Promise<Run> {
  const run = { code: null as number | null, stdout: '', stderr: '' };
  const stdin = new PassThrough();
  stdin.end(options.stdin ?? '');
  const stdout = new PassThrough();
  run.code = await runCli(
    args,
    io(
      options.env,
      { stdin, stdout },
      { out: (text) => (run.stdout += text), err: (text) => (run.stderr += text) },
    ),
  );
  return run;
}

/**
 * Runs a command on a stand-in terminal (a stream marked as a TTY, so readline echoes what is
 * typed unless the prompt hides it) and answers each prompt when it appears. Everything the
 * terminal shows, stderr included, is in `stdout`.
 */
async function runOnTerminal(
  args: string[],
  dialogue: Array<[prompt: string, answer: string]>,
): Promise<Run> {
  const stdin = Object.assign(new PassThrough(), { isTTY: true });
  let output = '';
  let position = 0;
  let step = 0;
  const show = (text: string) => {
    output += text;
    while (step < dialogue.length) {
      const [prompt, answer] = dialogue[step]!;
      const found = output.indexOf(prompt, position);
      if (found < 0) return;
      position = found + prompt.length;
      step += 1;
      // Typed after the prompt is on screen, as a person would.
      setImmediate(() => stdin.write(`${answer}\r`));
    }
  };
  const terminal = new Writable({
    write(chunk: Buffer, _encoding, done) {
      show(chunk.toString());
      done();
    },
  });
  const code = await runCli(
    args,
    io(undefined, { stdin, stdout: terminal }, { out: show, err: show }),
  );
  expect(step, `answered ${step} of ${dialogue.length} prompts: ${output}`).to.equal(
    dialogue.length,
  );
  return { code, stdout: output, stderr: '' };
}

/** Runs the CLI as its own process, as an operator does, bounded in time. */
function runProcess(args: string[], options: { env?: Record<string, string> } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'server/cli.ts', ...args], {
      env: cliEnvironment(options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`cli ${args.join(' ')} did not finish: ${stdout} ${stderr}`));
    }, PROCESS_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end();
  });
}

describe('the CLI', function () {
  this.timeout(60_000);
  let testApp: TestApp;

  before(function () {
    // The embedded database serves one connection: the command's pool would wait on the app's.
    if (testEnvironment().database.description.startsWith('embedded')) this.skip();
  });
  beforeEach(async () => {
    testApp = await createTestApp();
  });
  afterEach(closeLimitedApps);

  const { models } = { models: () => testApp.deps.database.models };
  const findUser = (email: string) => models().User.findOne({ where: { email }, raw: true });
  const profile = (access: string) => testApp.http().get('/api/auth/profile/').set(bearer(access));

  describe('createsuperuser', () => {
    it('creates a verified staff superuser from flags and AUTH_SUPERUSER_PASSWORD', async () => {
      const email = uniqueEmail('root');
      const run = await runCommand(
        ['createsuperuser', '--email', email.toUpperCase(), '--full-name', 'Root'],
        {
          env: { AUTH_SUPERUSER_PASSWORD: GOOD_PASSWORD },
        },
      );
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stdout.trim()).to.equal(`Superuser created: ${email}`);
      const user = await findUser(email);
      expect(user).to.include({
        fullName: 'Root',
        isStaff: true,
        isSuperuser: true,
        isVerified: true,
      });
      const [entry] = await models().ActivityLog.findAll({
        where: { userId: user!.id },
        raw: true,
      });
      expect(entry).to.include({ action: 'register' });
      expect(entry!.metadata).to.deep.equal({ via: 'cli', superuser: true });

      // The account works with the service, as an administrator.
      const tokens = await login(testApp, email, GOOD_PASSWORD);
      const users = await testApp.http().get('/api/auth/admin/users/').set(bearer(tokens.access));
      expect(users.status).to.equal(200);
    });

    it('reads missing values from stdin, one per line, for scripts', async () => {
      const email = uniqueEmail('piped');
      const run = await runCommand(['createsuperuser'], {
        stdin: `${email}\nPiped Person\n${GOOD_PASSWORD}\n`,
      });
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stdout).to.not.include(GOOD_PASSWORD);
      expect(await findUser(email)).to.include({ fullName: 'Piped Person', isSuperuser: true });
      await login(testApp, email, GOOD_PASSWORD);

      const withFlags = uniqueEmail('flags');
      const second = await runCommand(
        ['createsuperuser', '--email', withFlags, '--full-name', 'F'],
        {
          stdin: `${GOOD_PASSWORD}\n`,
        },
      );
      expect(second.code, second.stderr).to.equal(0);
      await login(testApp, withFlags, GOOD_PASSWORD);
    });

    it('applies the password policy: a weak password fails with a clear message and no account', async () => {
      const email = uniqueEmail('weak');
      const piped = await runCommand(['createsuperuser', '--email', email, '--full-name', 'Weak'], {
        stdin: '12345678\n',
      });
      expect(piped.code).to.equal(1);
      expect(piped.stderr).to.include('Error: This password is entirely numeric.');
      expect(piped.stderr).to.include('Error: This password is too common.');
      const fromVariable = await runCommand(
        ['createsuperuser', '--email', email, '--full-name', 'Weak'],
        {
          env: { AUTH_SUPERUSER_PASSWORD: email },
        },
      );
      expect(fromVariable.code).to.equal(1);
      expect(fromVariable.stderr).to.match(
        /Error: password: The password is too similar to the email/,
      );
      expect(await findUser(email)).to.equal(null);
    });

    it('refuses a taken email (in any letter case) and an invalid one', async () => {
      const existing = await signedIn(testApp);
      const taken = await runCommand(
        ['createsuperuser', '--email', existing.email.toUpperCase(), '--full-name', 'Dup'],
        { env: { AUTH_SUPERUSER_PASSWORD: GOOD_PASSWORD } },
      );
      expect(taken.code).to.equal(1);
      expect(taken.stderr.trim()).to.equal('Error: A user with this email already exists.');
      expect(await models().User.count()).to.equal(1);
      expect((await findUser(existing.email))!.isSuperuser).to.equal(false);

      const invalid = await runCommand(
        ['createsuperuser', '--email', 'not-an-email', '--full-name', 'X'],
        {
          env: { AUTH_SUPERUSER_PASSWORD: GOOD_PASSWORD },
        },
      );
      expect(invalid.code).to.equal(1);
      expect(invalid.stderr.trim()).to.equal('Error: Enter a valid email address.');
    });

    it('refuses a name with control or invisible characters, as the API does', async () => {
      for (const name of ['Root\n\nYour account is locked', 'Root \u202Egnp.exe']) {
        const email = uniqueEmail('named');
        const run = await runCommand(['createsuperuser', '--email', email, '--full-name', name], {
          env: { AUTH_SUPERUSER_PASSWORD: GOOD_PASSWORD },
        });
        expect(run.code, run.stderr).to.equal(1);
        expect(run.stderr.trim()).to.equal(`Error: ${NAME_CHARACTERS_MESSAGE}`);
        expect(await findUser(email)).to.equal(null);
      }
    });

    it('fails clearly when stdin ends before the password is given', async () => {
      const run = await runCommand([
        'createsuperuser',
        '--email',
        uniqueEmail(),
        '--full-name',
        'X',
      ]);
      expect(run.code).to.equal(1);
      expect(run.stderr.trim()).to.equal('Error: Input ended before password was given.');
    });

    it('prompts on a terminal, hides the password, and asks again after a mismatch or a weak one', async () => {
      const email = uniqueEmail('tty');
      const secretAttempt = 'Mismatch-Zebra-77';
      const run = await runOnTerminal(
        ['createsuperuser'],
        [
          ['Email: ', 'not-an-email'],
          ['Email: ', email],
          ['Full name: ', 'Terminal Person'],
          ['Password: ', secretAttempt],
          ['Password (again): ', 'something-else'],
          ['Password: ', '1234'],
          ['Password (again): ', '1234'],
          ['Password: ', GOOD_PASSWORD],
          ['Password (again): ', GOOD_PASSWORD],
        ],
      );
      expect(run.code, run.stdout).to.equal(0);
      expect(run.stdout).to.include('Error: Enter a valid email address.');
      expect(run.stdout).to.include("Error: Your passwords didn't match.");
      expect(run.stdout).to.include('Error: This password is entirely numeric.');
      expect(run.stdout).to.include(`Superuser created: ${email}`);
      for (const secret of [secretAttempt, 'something-else', GOOD_PASSWORD])
        expect(run.stdout, 'a typed password was echoed').to.not.include(secret);
      expect(run.stdout).to.include(email); // visible answers are echoed
      await login(testApp, email, GOOD_PASSWORD);
    });
  });

  describe('changepassword', () => {
    it('sets the password and signs out every session of the account at once', async function () {
      if (!testEnvironment().redisUrl) this.skip();
      const user = await signedIn(testApp);
      expect((await profile(user.access)).status).to.equal(200);
      const run = await runCommand(['changepassword', user.email], { stdin: `${GOOD_PASSWORD}\n` });
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stdout.trim()).to.equal(
        `Password changed for ${user.email}; 1 session signed out.`,
      );
      expect((await profile(user.access)).status).to.equal(401);
      const old = await testApp
        .http()
        .post('/api/auth/login/')
        .send({ email: user.email, password: user.password });
      expect(old.status).to.equal(401);
      await login(testApp, user.email, GOOD_PASSWORD);
      const entries = await models().ActivityLog.findAll({
        where: { userId: user.id, action: 'password_change' },
        raw: true,
      });
      expect(entries.map((entry) => entry.metadata)).to.deep.equal([
        { via: 'cli', sessions_revoked: 1 },
      ]);
    });

    it('behaves as a reset: ends reset links, lifts the login lock, mails the person', async function () {
      if (!testEnvironment().redisUrl) this.skip();
      const limited = await createLimitedApp({ RATE_LIMIT_LOGIN_ACCOUNT_FAILURES: '3' });
      const user = await signedIn(limited);
      const loginAs = (password: string) =>
        limited.http().post('/api/auth/login/').send({ email: user.email, password });
      await limited.http().post('/api/auth/forgot-password/').send({ email: user.email });
      const resetToken = limited.mailer.resetTokenFor(user.email)!;
      for (let attempt = 0; attempt < 3; attempt += 1) {
        expect((await loginAs('Wrong-Password-1')).status).to.equal(401);
      }
      expect((await loginAs(user.password)).status, 'locked').to.equal(429);

      const run = await runCommand(['changepassword', user.email], { stdin: `${GOOD_PASSWORD}\n` });
      expect(run.code, run.stderr).to.equal(0);

      expect((await loginAs(GOOD_PASSWORD)).status, 'the lock is lifted').to.equal(200);
      const reset = await limited.http().post('/api/auth/reset-password/').send({
        token: resetToken,
        password: 'Mailbox-Owner-Passphrase-7',
        password_confirm: 'Mailbox-Owner-Passphrase-7',
      });
      expect(reset.status).to.equal(400);
      expect(reset.body.errors).to.deep.equal({ token: ['Invalid or expired token.'] });
      const queued = await models().EmailOutbox.findAll({
        where: { recipient: user.email },
        raw: true,
      });
      expect(queued.map((email) => email.kind)).to.deep.equal(['password_changed']);
    });

    it('fails for an unknown email and for a password the policy refuses', async () => {
      const missing = await runCommand(['changepassword', 'nobody@example.com'], {
        stdin: `${GOOD_PASSWORD}\n`,
      });
      expect(missing.code).to.equal(1);
      expect(missing.stderr.trim()).to.equal(
        'Error: No user with the email address nobody@example.com.',
      );
      const user = await signedIn(testApp);
      const weak = await runCommand(['changepassword', user.email], { stdin: 'password\n' });
      expect(weak.code).to.equal(1);
      expect(weak.stderr).to.include('Error: This password is too common.');
      await login(testApp, user.email, user.password);
    });
  });

  describe('deleteuser', () => {
    it('deletes the account: its token is refused at once, the outbox holds only the last notice', async function () {
      if (!testEnvironment().redisUrl) this.skip();
      const user = await signedIn(testApp);
      const run = await runCommand(['deleteuser', user.email]);
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stdout.trim()).to.equal(
        `Deleted ${user.email} and its personal data; every session signed out.`,
      );
      expect((await profile(user.access)).status).to.equal(401);
      expect(await findUser(user.email)).to.equal(null);
      const [entry] = await models().ActivityLog.findAll({
        where: { userId: user.id, action: 'account_deleted' },
        raw: true,
      });
      expect(entry!.metadata).to.deep.equal({ via: 'cli' });
      const queued = await models().EmailOutbox.findAll({
        where: { recipient: user.email },
        raw: true,
      });
      expect(queued.map((email) => email.kind)).to.deep.equal(['account_deleted']);
      const unknown = await runCommand(['deleteuser', user.email]);
      expect(unknown.code).to.equal(1);
    });
  });

  describe('deactivate', () => {
    it('deactivates an account: its access token is refused on the very next request', async function () {
      if (!testEnvironment().redisUrl) this.skip();
      const user = await signedIn(testApp);
      expect((await profile(user.access)).status).to.equal(200);
      const run = await runCommand(['deactivate', user.email]);
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stdout.trim()).to.equal(`Deactivated ${user.email}; 1 session signed out.`);
      const refused = await profile(user.access);
      expect(refused.status).to.equal(401);
      expect(refused.body.code).to.equal('TOKEN_INVALID');
      expect((await findUser(user.email))!.isActive).to.equal(false);
      const [entry] = await models().ActivityLog.findAll({
        where: { userId: user.id, action: 'account_deactivated' },
        raw: true,
      });
      expect(entry!.metadata).to.deep.equal({ via: 'cli', sessions_revoked: 1, forced: false });
      // The person is told by email (queued in the outbox with the change).
      const queued = await models().EmailOutbox.findAll({
        where: { recipient: user.email },
        raw: true,
      });
      expect(queued.map((email) => email.kind)).to.deep.equal(['account_deactivated']);

      const again = await runCommand(['deactivate', user.email]);
      expect(again.code).to.equal(0);
      expect(again.stdout.trim()).to.equal(`${user.email} was already deactivated.`);
    });

    it('keeps the last active superuser unless --force is given, and fails for an unknown email', async () => {
      const root = await superuser(testApp);
      const refused = await runCommand(['deactivate', root.email]);
      expect(refused.code).to.equal(1);
      expect(refused.stderr).to.include('is the last active superuser');
      expect((await findUser(root.email))!.isActive).to.equal(true);

      const forced = await runCommand(['deactivate', root.email, '--force']);
      expect(forced.code, forced.stderr).to.equal(0);
      expect((await findUser(root.email))!.isActive).to.equal(false);

      const unknown = await runCommand(['deactivate', 'ghost@example.com']);
      expect(unknown.code).to.equal(1);
      expect(unknown.stderr.trim()).to.equal(
        'Error: No user with the email address ghost@example.com.',
      );
    });
  });

  describe('migrate', () => {
    it('applies pending migrations to an empty database, then has nothing to do', async function () {
      const admin = testEnvironment().adminDatabaseUrl;
      if (!admin) this.skip();
      const name = `${TEST_DATABASE}_cli`;
      const client = new pg.Client({ connectionString: `${admin}/postgres` });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS "${name}"`);
        await client.query(`CREATE DATABASE "${name}"`);
        const env = { DATABASE_URL: `${admin}/${name}` };
        const first = await runCommand(['migrate'], { env });
        expect(first.code, first.stderr).to.equal(0);
        expect(first.stdout).to.match(/^Applied .*create-users$/m);
        const second = await runCommand(['migrate'], { env });
        expect(second.code).to.equal(0);
        expect(second.stdout.trim()).to.equal('No migrations to apply.');
      } finally {
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await client.end();
      }
    });

    it('reports bad configuration and an unreachable database in one line, non-zero', async () => {
      const badUrl = await runCommand(['migrate'], {
        env: { DATABASE_URL: 'mysql://localhost/x' },
      });
      expect(badUrl.code).to.equal(1);
      expect(badUrl.stderr.trim()).to.equal(
        'Error: Invalid configuration: DATABASE_URL: expected a postgres:// URL (got "mysql://localhost/x")',
      );
      const down = await runCommand(['migrate'], {
        env: { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/nothing' },
      });
      expect(down.code).to.equal(1);
      expect(down.stderr).to.match(/^Error: Cannot reach the database/);
      expect(down.stderr.trim().split('\n')).to.have.length(1);
    });
  });

  it('answers an unknown command with usage and a non-zero exit code', async () => {
    const run = await runCommand(['frobnicate']);
    expect(run.code).to.not.equal(0);
    expect(run.stderr).to.include("unknown command 'frobnicate'");
  });

  describe('keys', () => {
    const EDDSA = { JWT_ALGORITHM: 'EdDSA' };

    it('lists, rotates and retires signing keys; retiring one with live sessions needs --force', async () => {
      const app = await createTestApp({ env: EDDSA });
      const user = await registerUser(app);
      const oldKid = decodeProtectedHeader(user.access).kid!;

      const listed = await runCommand(['keys', 'list'], { env: EDDSA });
      expect(listed.code, listed.stderr).to.equal(0);
      expect(listed.stdout).to.match(new RegExp(`${oldKid}\\tEdDSA\\tsigning`));

      const rotated = await runCommand(['keys', 'rotate'], { env: EDDSA });
      expect(rotated.code, rotated.stderr).to.equal(0);
      const newKid = /^New signing key (\S+):/.exec(rotated.stdout)?.[1];
      expect(newKid, rotated.stdout).to.be.a('string');
      // The running app publishes it at its next reload, before the key ever signs.
      await app.deps.keyRing.reload();
      const published = await app.http().get('/.well-known/jwks.json');
      expect(published.body.keys.map((key: { kid: string }) => key.kid)).to.have.members([
        oldKid,
        newKid,
      ]);
      // The activation delay passes (everything moved a minute back rather than waited for).
      await app.deps.database.sequelize.query(
        "UPDATE signing_keys SET activated_at = activated_at - interval '2 minutes', superseded_at = superseded_at - interval '2 minutes'; UPDATE refresh_tokens SET issued_at = issued_at - interval '2 minutes'",
      );
      const after = await createTestApp({ env: EDDSA });
      const fresh = await registerUser(after);
      expect(decodeProtectedHeader(fresh.access).kid).to.equal(newKid);
      expect(
        (await app.http().get('/api/auth/profile/').set(bearer(fresh.access))).status,
      ).to.equal(200);

      const refused = await runCommand(['keys', 'retire', oldKid], { env: EDDSA });
      expect(refused.code).to.equal(1);
      expect(refused.stderr).to.match(/--force/);
      const retired = await runCommand(['keys', 'retire', oldKid, '--force'], { env: EDDSA });
      expect(retired.code, retired.stderr).to.equal(0);
      await app.deps.keyRing.reload();
      expect((await app.http().get('/api/auth/profile/').set(bearer(user.access))).status).to.equal(
        401,
      );
    });

    it('refuses to rotate under HS256, with one line', async () => {
      const run = await runCommand(['keys', 'rotate']);
      expect(run.code).to.equal(1);
      expect(run.stderr.trim()).to.match(/^Error: JWT_ALGORITHM is HS256/);
    });
  });

  describe('as its own process (smoke)', () => {
    it('creates a superuser from flags and AUTH_SUPERUSER_PASSWORD, exit code 0', async () => {
      const email = uniqueEmail('spawned');
      const run = await runProcess(['createsuperuser', '--email', email, '--full-name', 'Root'], {
        env: { AUTH_SUPERUSER_PASSWORD: GOOD_PASSWORD },
      });
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stdout).to.equal(`Superuser created: ${email}\n`);
      expect(run.stderr).to.equal('');
      expect(await findUser(email)).to.include({ isSuperuser: true, isVerified: true });
      await login(testApp, email, GOOD_PASSWORD);
    });

    it('reports a failing command in one line on stderr, with exit code 1', async () => {
      const run = await runProcess(['migrate'], { env: { DATABASE_URL: 'mysql://localhost/x' } });
      expect(run.code).to.equal(1);
      expect(run.stdout).to.equal('');
      expect(run.stderr).to.equal(
        'Error: Invalid configuration: DATABASE_URL: expected a postgres:// URL (got "mysql://localhost/x")\n',
      );
    });
  });
});
