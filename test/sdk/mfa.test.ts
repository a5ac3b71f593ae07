/**
 * Two-factor authentication through the SDK against the live server: the login answers a
 * challenge the caller must handle (a union TypeScript makes them tell apart), `loginMfa`
 * stores the pair, and the TOTP procedures are typed end to end.
 */
import { expect } from 'chai';
import { type AuthClientError, needsSecondFactor } from '../../client-sdk/src/index.js';
import { createAccount } from '../helpers/accounts.js';
import { STRONG_PASSWORD } from '../helpers/factories.js';
import { totpCode } from '../helpers/mfa.js';
import { recordingClient, startLiveServer, type LiveServer } from './harness.js';

describe('client SDK: two-factor authentication', () => {
  let live: LiveServer;

  beforeEach(async () => {
    live = await startLiveServer();
  });

  afterEach(async () => {
    await live.close();
  });

  it('turns TOTP on, then a login needs the code and stores the pair only after it', async () => {
    const account = await createAccount(live.testApp);
    const owner = recordingClient(live.url);
    const first = await owner.client.auth.login.mutate({
      email: account.email,
      password: STRONG_PASSWORD,
    });
    expect(needsSecondFactor(first)).to.equal(false);

    const { secret, otpauth_url } = await owner.client.mfa.totpSetup.mutate({
      password: STRONG_PASSWORD,
    });
    expect(otpauth_url).to.match(/^otpauth:/);
    const { recovery_codes } = await owner.client.mfa.totpConfirm.mutate({
      code: totpCode(secret, live.clock.now()),
    });
    expect(recovery_codes).to.have.length(10);
    expect(await owner.client.mfa.status.query()).to.deep.equal({
      totp_enabled: true,
      recovery_codes_remaining: 10,
    });
    const renewed = await owner.client.mfa.recoveryCodes.mutate({ password: STRONG_PASSWORD });
    live.clock.advanceSeconds(30);

    const device = recordingClient(live.url);
    const login = await device.client.auth.login.mutate({
      email: account.email,
      password: STRONG_PASSWORD,
    });
    if (!needsSecondFactor(login)) throw new Error('expected a challenge');
    expect(await device.store.get()).to.equal(null);
    try {
      await device.client.auth.loginMfa.mutate({ mfa_token: login.mfa_token, code: '000000' });
      expect.fail('a wrong code must fail');
    } catch (error) {
      expect((error as AuthClientError).code).to.equal('AUTHENTICATION_FAILED');
    }
    const done = await device.client.auth.loginMfa.mutate({
      mfa_token: login.mfa_token,
      code: renewed.recovery_codes[0]!,
    });
    expect(await device.store.get()).to.deep.equal(done.tokens);
    expect((await device.client.profile.get.query()).id).to.equal(account.id);

    await device.client.mfa.totpDisable.mutate({
      password: STRONG_PASSWORD,
      code: totpCode(secret, live.clock.now()),
    });
    expect((await owner.client.mfa.status.query()).totp_enabled).to.equal(false);
  });
});

describe("client SDK: the account's own lifecycle", () => {
  let live: LiveServer;

  beforeEach(async () => {
    live = await startLiveServer();
  });

  afterEach(async () => {
    await live.close();
  });

  it('changes the email by the mailed link, then deletes the account and ends the session', async () => {
    const account = await createAccount(live.testApp);
    const { client, store } = recordingClient(live.url);
    await client.auth.login.mutate({ email: account.email, password: STRONG_PASSWORD });
    const newEmail = `moved.${account.email}`;
    await client.account.changeEmail.mutate({ new_email: newEmail, password: STRONG_PASSWORD });
    const token = live.testApp.mailer.emailChangeTokenFor(newEmail)!;
    const anonymous = recordingClient(live.url);
    const { user } = await anonymous.client.account.confirmEmailChange.mutate({ token });
    expect(user.email).to.equal(newEmail);

    const login = await client.auth.login.mutate({ email: newEmail, password: STRONG_PASSWORD });
    if (needsSecondFactor(login)) throw new Error('no TOTP on this account');
    try {
      await client.account.delete.mutate({ password: 'Not-My-Password-1' });
      expect.fail('a wrong password must fail');
    } catch (error) {
      expect((error as AuthClientError).errors).to.have.keys('password');
    }
    await client.account.delete.mutate({ password: STRONG_PASSWORD });
    expect(await store.get()).to.equal(null);
    try {
      await client.profile.get.query();
      expect.fail('the deleted account has no session');
    } catch (error) {
      expect((error as AuthClientError).code).to.equal('NOT_AUTHENTICATED');
    }
  });

  it('lets staff delete an account with admin.deleteUser', async () => {
    const staff = await createAccount(live.testApp, { isStaff: true });
    const member = await createAccount(live.testApp);
    const { client } = recordingClient(live.url);
    await client.auth.login.mutate({ email: staff.email, password: STRONG_PASSWORD });
    const { message } = await client.admin.deleteUser.mutate({ id: member.id });
    expect(message).to.be.a('string');
    try {
      await client.admin.getUser.query({ id: member.id });
      expect.fail('the account is gone');
    } catch (error) {
      expect((error as AuthClientError).code).to.equal('NOT_FOUND');
    }
  });
});
