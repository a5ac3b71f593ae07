/**
 * The procedures beyond the documented flow, through the SDK: email verification, sessions,
 * logout everywhere, the activity log and the staff API. The last check holds the suite to
 * driving every procedure of the router through the SDK at least once.
 */
import { expect } from 'chai';
import {
  AuthClientError,
  describeError,
  memoryTokenStore,
  needsSecondFactor,
  type RouterOutputs,
} from '../../client-sdk/src/index.js';
import { routerShape as appRouter } from '../../server/routers/_app.js';
import { createAccount } from '../helpers/accounts.js';
import { STRONG_PASSWORD, uniqueEmail } from '../helpers/factories.js';
import {
  drivenProcedures,
  recordingClient,
  startLiveServer,
  type LiveServer,
  type RecordingClient,
} from './harness.js';

async function failure(call: Promise<unknown>): Promise<AuthClientError> {
  try {
    await call;
  } catch (error) {
    expect(error).to.be.instanceOf(AuthClientError);
    return error as AuthClientError;
  }
  throw new Error('expected the call to fail');
}

describe('client SDK: sessions, verification, activity and the staff API', () => {
  let live: LiveServer;

  beforeEach(async () => {
    live = await startLiveServer();
  });

  afterEach(async () => {
    await live.close();
  });

  async function loggedIn(
    options: Parameters<typeof createAccount>[1] = {},
  ): Promise<RecordingClient & { id: string; email: string }> {
    const account = await createAccount(live.testApp, options);
    const recording = recordingClient(live.url);
    await recording.client.auth.login.mutate({ email: account.email, password: STRONG_PASSWORD });
    return { ...recording, id: account.id, email: account.email };
  }

  it('verify-email marks the account verified; resend-verification mails a new link', async () => {
    const email = uniqueEmail('verify');
    const { client, calls } = recordingClient(live.url);
    await client.auth.register.mutate({
      email,
      full_name: 'Katherine Johnson',
      password: STRONG_PASSWORD,
      password_confirm: STRONG_PASSWORD,
    });
    const first = live.testApp.mailer.verificationTokenFor(email);
    expect(first, 'welcome email carries a verification link').to.be.a('string');

    expect((await client.auth.resendVerification.mutate()).message).to.be.a('string');
    const second = live.testApp.mailer.verificationTokenFor(email);
    expect(second).to.be.a('string').and.not.equal(first);

    // A refused token is about the input, not the session: no refresh, the session stays.
    const refused = await failure(client.auth.verifyEmail.mutate({ token: 'not-a-real-token' }));
    expect(refused.code).to.equal('VALIDATION_ERROR');
    expect(refused.errors).to.have.property('token');
    expect(calls).to.not.include('auth.refresh');

    await recordingClient(live.url).client.auth.verifyEmail.mutate({ token: second! });
    expect((await client.profile.get.query()).is_verified).to.equal(true);
  });

  it('lists sessions, revokes another one, and logs out everywhere', async () => {
    const laptop = await loggedIn();
    const phone = recordingClient(live.url);
    await phone.client.auth.login.mutate({ email: laptop.email, password: STRONG_PASSWORD });

    const { results } = await laptop.client.sessions.list.query();
    expect(results).to.have.length(2);
    const current = results.find((session) => session.current)!;
    const other = results.find((session) => !session.current)!;
    expect(current.created_at).to.be.instanceOf(Date);

    expect((await laptop.client.sessions.revoke.mutate({ id: other.id })).message).to.be.a(
      'string',
    );
    const ended = await failure(phone.client.profile.get.query());
    expect(ended.code).to.equal('TOKEN_INVALID');
    expect(await phone.store.get()).to.equal(null);
    expect(phone.sessionChanges.at(-1)).to.equal(null);

    const unknown = await failure(laptop.client.sessions.revoke.mutate({ id: other.id }));
    expect([unknown.code, unknown.status]).to.deep.equal(['NOT_FOUND', 404]);

    const everywhere: RouterOutputs['auth']['logoutAll'] =
      await laptop.client.auth.logoutAll.mutate();
    expect(everywhere.sessions_revoked).to.be.at.least(1);
    expect(await laptop.store.get()).to.equal(null);
    expect(laptop.sessionChanges.at(-1)).to.equal(null);
  });

  it('reads the activity log, newest first, a page at a time', async () => {
    const member = await loggedIn();
    await member.client.profile.update.mutate({ full_name: 'Mary Jackson' });

    const page = await member.client.activity.list.query({ limit: 1 });
    expect(page.results).to.have.length(1);
    expect(page.results[0]!.action).to.equal('profile_update');
    expect(page.results[0]!.created_at).to.be.instanceOf(Date);
    expect(page.next_cursor).to.be.a('string');
    const next = await member.client.activity.list.query({ limit: 1, cursor: page.next_cursor! });
    expect(next.results[0]!.action).to.equal('login');
    expect((await member.client.activity.list.query()).results.length).to.be.at.least(2);
  });

  it('drives the staff API, and members get PERMISSION_DENIED', async () => {
    const admin = await loggedIn({ isStaff: true, isSuperuser: true });
    const member = await loggedIn({ fullName: 'Dorothy Vaughan' });

    const found = await admin.client.admin.listUsers.query({ search: 'dorothy' });
    expect(found.results.map((user) => user.id)).to.deep.equal([member.id]);
    expect(found.results[0]!.updated_at).to.be.instanceOf(Date);

    const detail = await admin.client.admin.getUser.query({ id: member.id });
    expect(detail.sessions).to.have.length(1);

    // HS256 (the default) signs with SECRET_KEY: no key is stored, none is listed or published.
    expect((await admin.client.admin.listKeys.query()).results).to.deep.equal([]);
    expect((await failure(member.client.admin.listKeys.query())).code).to.equal(
      'PERMISSION_DENIED',
    );

    const updated = await admin.client.admin.updateUser.mutate({
      id: member.id,
      is_verified: true,
    });
    expect(updated.user.is_verified).to.equal(true);

    const activity = await admin.client.admin.userActivity.query({ id: member.id });
    expect(activity.results.map((entry) => entry.action)).to.include('login');

    const denied = await failure(member.client.admin.listUsers.query());
    expect([denied.code, denied.status]).to.deep.equal(['PERMISSION_DENIED', 403]);
    expect(member.calls).to.not.include('auth.refresh');

    // Deactivating revokes the member's sessions: the member's client ends its session.
    await admin.client.admin.updateUser.mutate({ id: member.id, is_active: false });
    expect((await failure(member.client.profile.get.query())).status).to.equal(401);
    expect(await member.store.get()).to.equal(null);
  });

  it("drives the console's staff actions: sessions, mail, sorting and the count", async () => {
    const admin = await loggedIn({ isStaff: true, isSuperuser: true });
    const member = await loggedIn({ fullName: 'Katherine Johnson' });
    // The test's clock stands still: a second later, the phone's session is the newest.
    live.clock.advanceSeconds(1);
    const phone = recordingClient(live.url);
    await phone.client.auth.login.mutate({ email: member.email, password: STRONG_PASSWORD });

    const list = await admin.client.admin.listUsers.query({
      search: 'katherine',
      ordering: '-last_login',
    });
    expect([list.count, list.results[0]!.id]).to.deep.equal([1, member.id]);

    const detail = await admin.client.admin.getUser.query({ id: member.id });
    const phoneSession = detail.sessions.find(
      (session) =>
        session.created_at.getTime() ===
        Math.max(...detail.sessions.map((each) => each.created_at.getTime())),
    )!;
    await admin.client.admin.endUserSession.mutate({
      id: member.id,
      session_id: phoneSession.id,
    });
    expect((await failure(phone.client.profile.get.query())).code).to.equal('TOKEN_INVALID');

    const sent = await admin.client.admin.sendPasswordReset.mutate({ id: member.id });
    expect(sent.message).to.include(member.email);
    expect(live.testApp.mailer.resetTokenFor(member.email)).to.be.a('string');
    await admin.client.admin.resendVerification.mutate({ id: member.id });
    expect(live.testApp.mailer.verificationTokenFor(member.email)).to.be.a('string');

    const ended = await admin.client.admin.endUserSessions.mutate({ id: member.id });
    expect(ended.sessions_revoked).to.equal(1);
    expect((await failure(member.client.profile.get.query())).status).to.equal(401);

    const log = await admin.client.admin.userActivity.query({
      id: admin.id,
      action: 'staff_action',
    });
    expect(log.results.map((entry) => entry.target?.email)).to.deep.equal([
      member.email,
      member.email,
      member.email,
      member.email,
    ]);
  });

  it('describes failures as sentences: when to retry, missing permission, no service', async () => {
    const admin = await loggedIn({ isStaff: true });
    const member = await loggedIn();
    const limit = live.testApp.config.emailVerification.resendLimit;
    for (let index = 0; index < limit; index += 1) {
      await admin.client.admin.resendVerification.mutate({ id: member.id });
    }
    const limited = await failure(admin.client.admin.resendVerification.mutate({ id: member.id }));
    expect(describeError(limited)).to.match(
      /^Too many requests\. Try again in \d+ (seconds|minutes|hours)\.$/,
    );

    const denied = await failure(member.client.admin.listUsers.query());
    expect(describeError(denied)).to.equal('You do not have permission to perform this action.');

    const down = recordingClient(live.url, {
      fetch: async () =>
        new Response('<html>502 Bad Gateway</html>', {
          status: 502,
          headers: { 'Content-Type': 'text/html' },
        }),
    });
    const unreachable = await failure(
      down.client.auth.login.mutate({ email: member.email, password: 'x' }),
    );
    // A gateway's own error page carries no code: the service behind it is down.
    expect([unreachable.code, unreachable.status]).to.deep.equal(['SERVICE_UNAVAILABLE', 502]);
    expect(describeError(unreachable)).to.match(/^The service is unavailable at the moment\./);
    expect(describeError(new TypeError('fetch failed'))).to.equal(
      'The service cannot be reached. Check your connection and try again.',
    );
  });

  it('a client may start from tokens obtained elsewhere', async () => {
    const account = await createAccount(live.testApp);
    const tokens = await recordingClient(live.url).client.auth.login.mutate({
      email: account.email,
      password: STRONG_PASSWORD,
    });
    if (needsSecondFactor(tokens)) throw new Error('no TOTP on this account');
    const resumed = recordingClient(live.url, { storage: memoryTokenStore(tokens.tokens) });
    expect((await resumed.client.profile.get.query()).id).to.equal(account.id);
  });
});

describe('client SDK coverage', () => {
  it('every procedure of the router was driven through the SDK', function () {
    // Meaningful only when the SDK suites ran in this process (not for a single file).
    if (!drivenProcedures.has('auth.register')) this.skip();
    const missing = Object.keys(appRouter._def.procedures).filter(
      (path) => !drivenProcedures.has(path),
    );
    expect(missing, 'procedures no SDK test calls (add them to test/sdk/)').to.deep.equal([]);
  });
});
