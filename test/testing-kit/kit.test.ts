/**
 * @auth-service/testing as a consumer's suite uses it: the real service in process, on the
 * embedded PostgreSQL by default and on the real servers when asked, with every helper.
 */
import { expect } from 'chai';
import * as chai from 'chai';
import {
  authServiceAssertions,
  startAuthService,
  type AuthServiceKit,
} from '../../testing/src/index.js';
import { isAuthClientError, needsSecondFactor } from '../../client-sdk/src/index.js';
import { STRONG_PASSWORD, uniqueEmail } from '../helpers/factories.js';
import { testEnvironment } from '../setup.js';

chai.use(authServiceAssertions);

const START_TIMEOUT_MS = 120_000;

function behavesAsTheRealService(start: () => Promise<AuthServiceKit>) {
  let kit: AuthServiceKit;
  before(async function () {
    this.timeout(START_TIMEOUT_MS);
    kit = await start();
  });
  beforeEach(() => kit.reset());
  after(() => kit?.close());

  it('creates a verified user with a live token pair the service accepts', async () => {
    const { user, tokens, email } = await kit.createUser();
    expect(user).to.include({ email, is_verified: true, is_staff: false });
    const profile = await kit.request('profile/', { token: tokens.access });
    expect(profile.status).to.equal(200);
    await expect(tokens.access).to.be.aValidAccessTokenFor(user);
  });

  it('creates staff who may use the staff API, and members who may not', async () => {
    const staff = await kit.createUser({ staff: true });
    const member = await kit.createUser({ verified: false });
    expect(member.user.is_verified).to.equal(false);
    expect((await kit.request('admin/users/', { token: staff.tokens.access })).status).to.equal(
      200,
    );
    expect(await kit.request('admin/users/', { token: member.tokens.access })).to.be.authError(
      'PERMISSION_DENIED',
    );
  });

  it('explains why it refuses a weak password or an unknown option', async () => {
    const weak = await kit.createUser({ password: '12345678' }).catch((error: Error) => error);
    expect(String(weak)).to.match(/createUser\(\): the service refuses this password: .*numeric/i);
    const unknown = await kit.createUser({ admin: true } as never).catch((error: Error) => error);
    expect(String(unknown)).to.match(/createUser\(\): .*admin/);
  });

  it('creates a user with two-factor login on, whose login needs the current code', async () => {
    const { user, email, password, totp } = await kit.createUser({ totp: true });
    const challenge = await kit.request<{ mfa_required?: boolean }>('login/', {
      body: { email, password },
    });
    expect(challenge.body.mfa_required).to.equal(true);
    const withoutCode = await kit.login(email, password).catch((error: Error) => error);
    expect(String(withoutCode)).to.match(/two-factor login on; pass its code/);
    const tokens = await kit.login(email, password, totp!.code());
    await expect(tokens.access).to.be.aValidAccessTokenFor(user);
    expect(totp!.recoveryCodes).to.have.length(10);
    const recovered = await kit.login(email, password, totp!.recoveryCodes[0]);
    await expect(recovered.access).to.be.aValidAccessTokenFor(user);
  });

  it('delivers the signup mail to the mailbox, and its token verifies the account', async () => {
    const email = uniqueEmail();
    const client = kit.client();
    await client.auth.register.mutate({
      email,
      full_name: 'Mail Reader',
      password: STRONG_PASSWORD,
      password_confirm: STRONG_PASSWORD,
    });
    const mail = await kit.mailbox.waitFor(email, { kind: 'welcome' });
    expect(mail.links[0]).to.match(/^http:\/\/app\.test\/.*token=/);
    await client.auth.verifyEmail.mutate({ token: mail.token! });
    const tokens = await kit.login(email, STRONG_PASSWORD);
    const profile = await kit.request<{ is_verified: boolean }>('profile/', {
      token: tokens.access,
    });
    expect(profile.body.is_verified).to.equal(true);
  });

  it('says what the mailbox holds when the awaited mail never comes', async () => {
    const { email } = await kit.createUser();
    const miss = await kit.mailbox
      .waitFor(email, { kind: 'password_reset', timeoutMs: 50 })
      .catch((error: Error) => error);
    expect(String(miss)).to.include(`No a password_reset message to ${email} within 50 ms`);
    expect(String(miss)).to.include(`welcome to ${email}`);
  });

  it('expires access tokens when the clock moves, and refresh still gives a new pair', async () => {
    const { user, tokens } = await kit.createUser();
    kit.clock.advance('16m');
    expect(await kit.request('profile/', { token: tokens.access })).to.be.authError(
      'TOKEN_INVALID',
    );
    await expect(tokens.access).not.to.be.aValidAccessTokenFor(user);
    const renewed = await kit.refresh(tokens);
    await expect(renewed.access).to.be.aValidAccessTokenFor(user);
  });

  it('logs out one session, revokes all of them, and deactivates the account', async () => {
    const { user, email, password, tokens } = await kit.createUser();
    const second = await kit.login(email, password);
    await kit.logout(tokens);
    await expect(tokens.access).not.to.be.aValidAccessTokenFor(user);
    await expect(second.access).to.be.aValidAccessTokenFor(user);

    expect(await kit.revokeAllSessions(user)).to.equal(1);
    await expect(second.access).not.to.be.aValidAccessTokenFor(user);

    await kit.deactivate(user);
    const refused = await kit.request('login/', { body: { email, password } });
    expect(refused).to.be.authError('AUTHENTICATION_FAILED');
  });

  it('hands out the typed SDK, pointed at the instance, with errors the assertion reads', async () => {
    const { email, password } = await kit.createUser();
    const client = kit.client();
    const result = await client.auth.login.mutate({ email, password });
    if (needsSecondFactor(result)) throw new Error('no TOTP on this account');
    expect(result.user.email).to.equal(email);
    const error = await client.auth.login
      .mutate({ email, password: 'not-the-password' })
      .catch((caught: unknown) => caught);
    expect(isAuthClientError(error)).to.equal(true);
    expect(error).to.be.authError('AUTHENTICATION_FAILED');
  });

  it('resets to an empty service: no users, no mail, the real time', async () => {
    const { email, password } = await kit.createUser();
    kit.clock.advance('3d');
    await kit.reset();
    expect(kit.mailbox.all()).to.have.length(0);
    expect(Math.abs(kit.clock.now().getTime() - Date.now())).to.be.below(60_000);
    expect(await kit.request('login/', { body: { email, password } })).to.be.authError(
      'AUTHENTICATION_FAILED',
    );
  });

  it('keeps two instances in one process apart', async function () {
    this.timeout(START_TIMEOUT_MS);
    const other = await start();
    try {
      const { email, password, user, tokens } = await kit.createUser();
      expect(await other.request('login/', { body: { email, password } })).to.be.authError(
        'AUTHENTICATION_FAILED',
      );
      expect(await other.accessTokenUser(tokens.access)).to.equal(null);
      expect(await kit.accessTokenUser(tokens.access)).to.equal(user.id);
    } finally {
      await other.close();
    }
  });
}

describe('testing kit on the embedded PostgreSQL and the in-process store (the default)', () => {
  behavesAsTheRealService(() => startAuthService({ databaseUrl: '', redisUrl: '' }));
});

describe('testing kit on the real PostgreSQL and Redis (TEST_DATABASE_URL, TEST_REDIS_URL)', function () {
  before(function () {
    const environment = testEnvironment();
    if (!environment.adminDatabaseUrl || !environment.redisUrl) this.skip();
  });
  behavesAsTheRealService(() => {
    const environment = testEnvironment();
    return startAuthService({
      databaseUrl: `${environment.adminDatabaseUrl}/postgres`,
      redisUrl: environment.redisUrl!,
    });
  });
});
