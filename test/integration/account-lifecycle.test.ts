/**
 * The account's own lifecycle on the real PostgreSQL and Redis, through REST and tRPC: moving
 * to another email address by a link, and deleting the account with its personal data.
 */
import { expect } from 'chai';
import { QueryTypes } from 'sequelize';
import { bearer, createTestApp, type TestApp } from '../helpers/app.js';
import { createAccount } from '../helpers/accounts.js';
import { ManualClock } from '../helpers/clock.js';
import {
  login,
  registerUser,
  STRONG_PASSWORD,
  uniqueEmail,
  type RegisteredUser,
} from '../helpers/factories.js';
import { appErrorOf } from '../helpers/inspect.js';
import { enableTotp, STEP_START, totpCode } from '../helpers/mfa.js';

describe("the account's own lifecycle", () => {
  let testApp: TestApp;
  let clock: ManualClock;
  let user: RegisteredUser;

  beforeEach(async () => {
    clock = new ManualClock(STEP_START);
    testApp = await createTestApp({ overrides: { clock } });
    user = await registerUser(testApp);
  });

  const post = (path: string, body: Record<string, unknown>, access = user.access) =>
    testApp.http().post(`/api/auth/${path}`).set(bearer(access)).send(body);
  const confirm = (token: string | undefined) =>
    testApp.http().post('/api/auth/email/change/confirm/').send({ token });
  const query = <Row extends object>(sql: string, bind: unknown[]) =>
    testApp.deps.database.sequelize.query<Row>(sql, { bind, type: QueryTypes.SELECT });
  const profileStatus = async (access: string) =>
    (await testApp.http().get('/api/auth/profile/').set(bearer(access))).status;

  describe('email change', () => {
    it('mails a link to the new address and a notice to the old; the link changes and verifies it', async () => {
      const other = await login(testApp, user.email, STRONG_PASSWORD);
      const newEmail = uniqueEmail('moved');
      const asked = await post('email/change/', { new_email: newEmail, password: STRONG_PASSWORD });
      expect(asked.status, JSON.stringify(asked.body)).to.equal(200);
      expect(asked.body).to.have.keys('message');
      const link = testApp.mailer.last('email_change_confirmation');
      expect(link?.to).to.equal(newEmail);
      expect(link?.confirmUrl).to.match(
        /^http:\/\/frontend\.test\/confirm-email-change\?token=[\w-]+$/,
      );
      expect(testApp.mailer.last('email_change_requested')?.to).to.equal(user.email);
      // Nothing changes before the link is followed.
      expect(
        (await testApp.http().get('/api/auth/profile/').set(bearer(user.access))).body.email,
      ).to.equal(user.email);

      const done = await confirm(testApp.mailer.emailChangeTokenFor(newEmail));
      expect(done.status, JSON.stringify(done.body)).to.equal(200);
      expect(done.body.user.email).to.equal(newEmail);
      expect(done.body.user.is_verified).to.equal(true);
      expect(testApp.mailer.last('email_changed')?.to).to.equal(user.email);
      // Every session ends; the new address logs in, the old one no longer does.
      expect(await profileStatus(user.access)).to.equal(401);
      expect(await profileStatus(other.access)).to.equal(401);
      await login(testApp, newEmail, STRONG_PASSWORD);
      const old = await testApp
        .http()
        .post('/api/auth/login/')
        .send({ email: user.email, password: STRONG_PASSWORD });
      expect(old.status).to.equal(401);
      const actions = (
        await query<{ action: string }>('SELECT action FROM activity_logs WHERE user_id = $1', [
          user.id,
        ])
      ).map((row) => row.action);
      expect(actions).to.include.members(['email_change_requested', 'email_changed']);
    });

    it('uses the link once, and only before PASSWORD_RESET_TIMEOUT', async () => {
      const first = uniqueEmail('first');
      await post('email/change/', { new_email: first, password: STRONG_PASSWORD });
      const token = testApp.mailer.emailChangeTokenFor(first);
      clock.advanceSeconds(3601);
      const late = await confirm(token);
      expect(late.status).to.equal(400);
      expect(late.body.errors).to.have.keys('token');

      const fresh = await login(testApp, user.email, STRONG_PASSWORD);
      const second = uniqueEmail('second');
      await post('email/change/', { new_email: second, password: STRONG_PASSWORD }, fresh.access);
      const secondToken = testApp.mailer.emailChangeTokenFor(second);
      expect((await confirm(secondToken)).status).to.equal(200);
      const again = await confirm(secondToken);
      expect(again.status).to.equal(400);
      expect(again.body.errors).to.have.keys('token');
    });

    it('replaces an older pending change with the newer one', async () => {
      const older = uniqueEmail('older');
      const newer = uniqueEmail('newer');
      await post('email/change/', { new_email: older, password: STRONG_PASSWORD });
      await post('email/change/', { new_email: newer, password: STRONG_PASSWORD });
      expect((await confirm(testApp.mailer.emailChangeTokenFor(older))).status).to.equal(400);
      expect((await confirm(testApp.mailer.emailChangeTokenFor(newer))).body.user.email).to.equal(
        newer,
      );
    });

    it('refuses a wrong password, a taken address and a bad address, each on its field', async () => {
      const taken = await registerUser(testApp);
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ new_email: uniqueEmail(), password: 'Not-My-Password-1' }, 'password'],
        [{ new_email: taken.email.toUpperCase(), password: STRONG_PASSWORD }, 'new_email'],
        [{ new_email: 'not-an-address', password: STRONG_PASSWORD }, 'new_email'],
        [{ password: STRONG_PASSWORD }, 'new_email'],
      ];
      for (const [body, field] of cases) {
        const response = await post('email/change/', body);
        expect(response.status, JSON.stringify(body)).to.equal(400);
        expect(response.body.errors, JSON.stringify(body)).to.have.keys(field);
      }
      expect(testApp.mailer.last('email_change_confirmation')).to.equal(undefined);
    });

    it('refuses a link whose address was taken meanwhile with errors.token, changing nothing', async () => {
      const wanted = uniqueEmail('wanted');
      await post('email/change/', { new_email: wanted, password: STRONG_PASSWORD });
      await registerUser(testApp, { email: wanted });
      const response = await confirm(testApp.mailer.emailChangeTokenFor(wanted));
      expect(response.status).to.equal(400);
      expect(response.body.errors).to.have.keys('token');
      expect(await profileStatus(user.access)).to.equal(200);
    });

    it('serves the same procedures over tRPC', async () => {
      const caller = testApp.caller({ authorization: `Bearer ${user.access}` });
      const newEmail = uniqueEmail('trpc');
      await caller.account.changeEmail({ new_email: newEmail, password: STRONG_PASSWORD });
      const bad = await appErrorOf(testApp.caller().account.confirmEmailChange({ token: 'nope' }));
      expect(bad.fieldErrors).to.have.keys('token');
      const done = await testApp.caller().account.confirmEmailChange({
        token: testApp.mailer.emailChangeTokenFor(newEmail)!,
      });
      expect(done.user.email).to.equal(newEmail);
    });
  });

  describe('deletion', () => {
    it('deletes the account and its data; its tokens fail at once; its email can register again', async () => {
      await post('logout/', {}, (await login(testApp, user.email, STRONG_PASSWORD)).access);
      const wrong = await post('account/delete/', { password: 'Not-My-Password-1' });
      expect(wrong.status).to.equal(400);
      expect(wrong.body.errors).to.have.keys('password');
      expect(await profileStatus(user.access)).to.equal(200);

      const deleted = await post('account/delete/', { password: STRONG_PASSWORD });
      expect(deleted.status, JSON.stringify(deleted.body)).to.equal(200);
      expect(deleted.body).to.have.keys('message');
      expect(await profileStatus(user.access)).to.equal(401);
      const refresh = await testApp
        .http()
        .post('/api/auth/refresh/')
        .send({ refresh: user.refresh });
      expect(refresh.status).to.equal(401);

      for (const table of [
        'users',
        'sessions',
        'totp_credentials',
        'recovery_codes',
        'email_change_tokens',
        'email_verification_tokens',
      ]) {
        const column = table === 'users' ? 'id' : 'user_id';
        const rows = await query(`SELECT 1 FROM ${table} WHERE ${column} = $1`, [user.id]);
        expect(rows, table).to.have.length(0);
      }
      const entries = await query<{
        action: string;
        ip: string | null;
        user_agent: string | null;
        metadata: object;
      }>(
        'SELECT action, host(ip_address) AS ip, user_agent, metadata FROM activity_logs WHERE user_id = $1',
        [user.id],
      );
      expect(entries.map((entry) => entry.action)).to.include.members([
        'register',
        'login',
        'account_deleted',
      ]);
      for (const entry of entries) {
        expect(entry.ip).to.equal(null);
        expect(entry.user_agent).to.equal(null);
        expect(JSON.stringify(entry.metadata)).to.not.include(user.email);
      }
      const outbox = await query('SELECT 1 FROM email_outbox WHERE recipient = $1', [user.email]);
      expect(outbox).to.have.length(0);
      expect(testApp.mailer.last('account_deleted')?.to).to.equal(user.email);

      await registerUser(testApp, { email: user.email });
    });

    it('asks for a code with TOTP on, and refuses a wrong one on errors.code', async () => {
      const { secret } = await enableTotp(testApp, user.access, clock);
      const missing = await post('account/delete/', { password: STRONG_PASSWORD });
      expect(missing.status).to.equal(400);
      expect(missing.body.errors).to.have.keys('code');
      const wrong = await post('account/delete/', {
        password: STRONG_PASSWORD,
        code: totpCode(secret, clock.now(), 7),
      });
      expect(wrong.status).to.equal(400);
      expect(wrong.body.errors).to.have.keys('code');
      expect(await profileStatus(user.access)).to.equal(200);
      const done = await post('account/delete/', {
        password: STRONG_PASSWORD,
        code: totpCode(secret, clock.now()),
      });
      expect(done.status).to.equal(200);
      expect(
        await query('SELECT 1 FROM recovery_codes WHERE user_id = $1', [user.id]),
      ).to.have.length(0);
    });

    it('refuses the last active superuser', async () => {
      const root = await createAccount(testApp, { isStaff: true, isSuperuser: true });
      const tokens = await login(testApp, root.email, STRONG_PASSWORD);
      const response = await post('account/delete/', { password: STRONG_PASSWORD }, tokens.access);
      expect(response.status).to.equal(403);
      expect(response.body.code).to.equal('PERMISSION_DENIED');
      expect(await profileStatus(tokens.access)).to.equal(200);
    });

    it('lets staff delete a member through the staff API, and only a superuser delete a superuser', async () => {
      const staff = await createAccount(testApp, { isStaff: true });
      const staffTokens = await login(testApp, staff.email, STRONG_PASSWORD);
      const root = await createAccount(testApp, { isStaff: true, isSuperuser: true });
      const remove = (id: string) =>
        testApp.http().delete(`/api/auth/admin/users/${id}/`).set(bearer(staffTokens.access));
      expect((await remove(root.id)).status).to.equal(403);
      const response = await remove(user.id);
      expect(response.status, JSON.stringify(response.body)).to.equal(200);
      expect(await profileStatus(user.access)).to.equal(401);
      expect((await remove(user.id)).status).to.equal(404);
      const [own] = await query<{ metadata: { operation: string; target_id: string } }>(
        "SELECT metadata FROM activity_logs WHERE user_id = $1 AND action = 'staff_action'",
        [staff.id],
      );
      expect(own!.metadata).to.include({ operation: 'account_deleted', target_id: user.id });
      const member = await testApp
        .http()
        .delete(`/api/auth/admin/users/${staff.id}/`)
        .set(bearer((await registerUser(testApp)).access));
      expect(member.status).to.equal(403);
    });

    it('deletes once when asked twice at once', async () => {
      const answers = await Promise.all(
        [1, 2, 3].map(() => post('account/delete/', { password: STRONG_PASSWORD })),
      );
      expect(answers.filter((answer) => answer.status === 200)).to.have.length(1);
      for (const answer of answers.filter((answer) => answer.status !== 200))
        expect(answer.status).to.be.within(400, 499);
    });
  });
});
