/**
 * What the admin console needs of the staff API beyond listing and patching: sorting and the
 * count, the last login's device, ending sessions, mailing reset and verification links, and
 * every staff action in the logs of both the account and the staff member, with who did what.
 */
import { expect } from 'chai';
import { bearer, createTestApp, type TestApp } from '../helpers/app.js';
import { createAccount, signedIn, staff, superuser } from '../helpers/accounts.js';
import { login } from '../helpers/factories.js';
import type { Json } from '../helpers/json.js';

describe('admin/users/ for the console (staff actions)', () => {
  let testApp: TestApp;
  beforeEach(async () => {
    testApp = await createTestApp();
  });

  const http = () => testApp.http();
  const users = (access: string, query: Record<string, string | number | boolean> = {}) =>
    http().get('/api/auth/admin/users/').query(query).set(bearer(access));
  const post = (access: string, path: string) =>
    http().post(`/api/auth/admin/users/${path}`).set(bearer(access)).send({});
  const activity = (access: string, id: string, query: Record<string, string> = {}) =>
    http().get(`/api/auth/admin/users/${id}/activity/`).query(query).set(bearer(access));
  const profile = (access: string) => http().get('/api/auth/profile/').set(bearer(access));
  const sessionIdOf = (access: string): string =>
    JSON.parse(Buffer.from(access.split('.')[1]!, 'base64url').toString()).sid;

  describe('who may call it', () => {
    it('answers 403 to a non-staff caller and 401 without a token, changing nothing', async () => {
      const caller = await signedIn(testApp);
      const target = await signedIn(testApp);
      const sid = sessionIdOf(target.access);
      const calls = [
        (headers: Record<string, string>) =>
          http().delete(`/api/auth/admin/users/${target.id}/sessions/${sid}/`).set(headers),
        (headers: Record<string, string>) =>
          http().post(`/api/auth/admin/users/${target.id}/logout-all/`).set(headers).send({}),
        (headers: Record<string, string>) =>
          http()
            .post(`/api/auth/admin/users/${target.id}/send-password-reset/`)
            .set(headers)
            .send({}),
        (headers: Record<string, string>) =>
          http()
            .post(`/api/auth/admin/users/${target.id}/resend-verification/`)
            .set(headers)
            .send({}),
      ];
      for (const call of calls) {
        const denied = await call(bearer(caller.access));
        expect([denied.status, denied.body.code]).to.deep.equal([403, 'PERMISSION_DENIED']);
        const anonymous = await call({});
        expect([anonymous.status, anonymous.body.code]).to.deep.equal([401, 'NOT_AUTHENTICATED']);
      }
      expect((await profile(target.access)).status).to.equal(200);
      expect(testApp.mailer.sent.filter((email) => email.to === target.email)).to.have.length(0);
    });

    it('lets only a superuser act on a superuser account', async () => {
      const plainStaff = await staff(testApp);
      const boss = await superuser(testApp);
      const refused = await post(plainStaff.access, `${boss.id}/logout-all/`);
      expect([refused.status, refused.body.code]).to.deep.equal([403, 'PERMISSION_DENIED']);
      expect((await profile(boss.access)).status).to.equal(200);
    });
  });

  describe('the users list', () => {
    it('counts every user matching the search and filters, whatever the page size', async () => {
      const admin = await staff(testApp);
      for (let index = 0; index < 3; index += 1) {
        await createAccount(testApp, { fullName: `Counted Person ${index}`, isVerified: true });
      }
      await createAccount(testApp, { fullName: 'Counted Person 3', isVerified: false });
      const all = await users(admin.access, { search: 'counted', limit: 1 });
      expect(all.status).to.equal(200);
      expect(all.body.count).to.equal(4);
      expect(all.body.results).to.have.length(1);
      const verified = await users(admin.access, { search: 'counted', is_verified: 'true' });
      expect(verified.body.count).to.equal(3);
      expect((await users(admin.access)).body.count).to.equal(5);
    });

    it('sorts by last login both ways, never-logged-in last when newest first, each user once', async () => {
      const admin = await staff(testApp);
      const { User } = testApp.deps.database.models;
      const base = Date.parse('2026-03-01T00:00:00Z');
      const ids: string[] = [];
      for (let index = 0; index < 5; index += 1) {
        const account = await createAccount(testApp, { fullName: `Sorted ${index}` });
        // Two share an instant (the id breaks the tie); one never logged in.
        const lastLogin = index === 4 ? null : new Date(base + Math.min(index, 2) * 60_000);
        await User.update({ lastLogin }, { where: { id: account.id } });
        ids.push(account.id);
      }
      const walk = async (ordering: string) => {
        const seen: Array<{ id: string; last_login: string | null }> = [];
        let cursor: string | null = null;
        for (let pages = 0; pages < 10; pages += 1) {
          const response = await users(admin.access, {
            search: 'sorted',
            ordering,
            limit: 2,
            ...(cursor ? { cursor } : {}),
          });
          expect(response.status, JSON.stringify(response.body)).to.equal(200);
          seen.push(...response.body.results);
          cursor = response.body.next_cursor;
          if (!cursor) break;
        }
        return seen;
      };
      const newest = await walk('-last_login');
      expect(newest.map((user) => user.id).sort()).to.deep.equal([...ids].sort());
      expect(newest.at(-1)!.id).to.equal(ids[4]);
      const times = newest.slice(0, 4).map((user) => Date.parse(user.last_login!));
      expect(times).to.deep.equal([...times].sort((a, b) => b - a));
      const oldest = await walk('last_login');
      expect(oldest.map((user) => user.id)).to.deep.equal([...newest.map((u) => u.id)].reverse());

      const joined = await walk('created_at');
      expect(joined.map((user) => user.id)).to.deep.equal(ids);
    });

    it("refuses an unknown ordering and a cursor of another ordering's pages", async () => {
      const admin = await staff(testApp);
      await createAccount(testApp);
      await createAccount(testApp);
      const bad = await users(admin.access, { ordering: 'password' });
      expect(bad.status).to.equal(400);
      expect(bad.body.errors).to.have.property('ordering');
      const page = await users(admin.access, { limit: 1, ordering: '-last_login' });
      const replayed = await users(admin.access, { limit: 1, cursor: page.body.next_cursor });
      expect(replayed.status).to.equal(400);
      expect(replayed.body.errors).to.have.property('cursor');
    });
  });

  it("shows the last login's IP and device", async () => {
    const admin = await staff(testApp);
    const member = await createAccount(testApp);
    await login(testApp, member.email, member.password, { 'User-Agent': 'Old Phone/1' });
    await login(testApp, member.email, member.password, { 'User-Agent': 'New Laptop/2' });
    const response = await http()
      .get(`/api/auth/admin/users/${member.id}/`)
      .set(bearer(admin.access));
    expect(response.body).to.include({
      last_login_ip: '127.0.0.1',
      last_login_user_agent: 'New Laptop/2',
    });
  });

  describe('ending sessions', () => {
    it("ends one session: its token is refused at once, the user's other session lives", async () => {
      const admin = await staff(testApp);
      const member = await signedIn(testApp);
      const other = await login(testApp, member.email, member.password);
      const sid = sessionIdOf(member.access);

      const ended = await http()
        .delete(`/api/auth/admin/users/${member.id}/sessions/${sid}/`)
        .set(bearer(admin.access));
      expect(ended.status, JSON.stringify(ended.body)).to.equal(200);
      expect(ended.body.message).to.be.a('string');

      const refused = await profile(member.access);
      expect([refused.status, refused.body.code]).to.deep.equal([401, 'TOKEN_INVALID']);
      expect((await profile(other.access)).status).to.equal(200);
      const again = await http()
        .delete(`/api/auth/admin/users/${member.id}/sessions/${sid}/`)
        .set(bearer(admin.access));
      expect(again.status).to.equal(404);
    });

    it('answers 404 for a session of another user, and leaves it alone', async () => {
      const admin = await staff(testApp);
      const member = await signedIn(testApp);
      const bystander = await signedIn(testApp);
      const response = await http()
        .delete(`/api/auth/admin/users/${member.id}/sessions/${sessionIdOf(bystander.access)}/`)
        .set(bearer(admin.access));
      expect([response.status, response.body.code]).to.deep.equal([404, 'NOT_FOUND']);
      expect((await profile(bystander.access)).status).to.equal(200);
    });

    it('ends every session of a user and says how many', async () => {
      const admin = await staff(testApp);
      const member = await signedIn(testApp);
      const second = await login(testApp, member.email, member.password);
      const response = await post(admin.access, `${member.id}/logout-all/`);
      expect(response.status).to.equal(200);
      expect(response.body.sessions_revoked).to.equal(2);
      expect((await profile(member.access)).status).to.equal(401);
      expect((await profile(second.access)).status).to.equal(401);
      expect((await profile(admin.access)).status, 'the staff member stays in').to.equal(200);
    });
  });

  describe('mail on behalf of a user', () => {
    it('sends a password-reset link that resets the password', async () => {
      const admin = await staff(testApp);
      const member = await createAccount(testApp);
      const response = await post(admin.access, `${member.id}/send-password-reset/`);
      expect(response.status, JSON.stringify(response.body)).to.equal(200);
      expect(response.body.message).to.include(member.email);
      const token = testApp.mailer.resetTokenFor(member.email);
      expect(token).to.be.a('string');
      const reset = await http().post('/api/auth/reset-password/').send({
        token,
        password: 'Fresh-Horse-Battery-4',
        password_confirm: 'Fresh-Horse-Battery-4',
      });
      expect(reset.status).to.equal(200);
      await login(testApp, member.email, 'Fresh-Horse-Battery-4');
    });

    it('refuses to send a reset link to a deactivated account', async () => {
      const admin = await staff(testApp);
      const member = await createAccount(testApp, { isActive: false });
      const response = await post(admin.access, `${member.id}/send-password-reset/`);
      expect([response.status, response.body.code]).to.deep.equal([400, 'VALIDATION_ERROR']);
      expect(response.body.detail).to.match(/deactivated/);
      expect(testApp.mailer.resetTokenFor(member.email)).to.equal(undefined);
    });

    it('resends verification to an unverified account, refuses a verified one, and limits resends', async () => {
      const admin = await staff(testApp);
      const member = await createAccount(testApp);
      const sent = await post(admin.access, `${member.id}/resend-verification/`);
      expect(sent.status, JSON.stringify(sent.body)).to.equal(200);
      const token = testApp.mailer.verificationTokenFor(member.email)!;
      expect(token).to.be.a('string');

      const limit = testApp.config.emailVerification.resendLimit;
      let last = sent;
      for (let index = 1; index <= limit; index += 1) {
        last = await post(admin.access, `${member.id}/resend-verification/`);
      }
      expect([last.status, last.body.code]).to.deep.equal([429, 'RATE_LIMITED']);
      expect(last.headers['retry-after']).to.match(/^\d+$/);

      const verified = await createAccount(testApp, { isVerified: true });
      const refused = await post(admin.access, `${verified.id}/resend-verification/`);
      expect([refused.status, refused.body.detail]).to.deep.equal([
        400,
        'This email address is already verified.',
      ]);
    });
  });

  describe('who did what', () => {
    it('writes each staff action to the account and to the staff member, with both named', async () => {
      const admin = await superuser(testApp);
      const member = await signedIn(testApp);
      await post(admin.access, `${member.id}/send-password-reset/`);
      await post(admin.access, `${member.id}/logout-all/`);
      const patched = await http()
        .patch(`/api/auth/admin/users/${member.id}/`)
        .set(bearer(admin.access))
        .send({ is_active: false });
      expect(patched.status).to.equal(200);

      const theirs = (await activity(admin.access, member.id)).body.results;
      const caused = theirs.filter((entry: Json) => entry.actor);
      expect(caused.map((entry: Json) => entry.action)).to.deep.equal([
        'account_deactivated',
        'logout_all',
        'password_reset_request',
      ]);
      for (const entry of caused) {
        expect(entry.actor).to.deep.equal({ id: admin.id, email: admin.email });
        // The account's owner never sees the staff member's address on their own entries.
        expect([entry.ip_address, entry.user_agent]).to.deep.equal([null, null]);
      }
      const login = theirs.find((entry: Json) => entry.action === 'login');
      expect([login.actor, login.target]).to.deep.equal([null, null]);

      const own = (await activity(admin.access, admin.id, { action: 'staff_action' })).body.results;
      expect(own.map((entry: Json) => entry.metadata.operation)).to.deep.equal([
        'account_deactivated',
        'logout_all',
        'password_reset_request',
      ]);
      for (const entry of own) {
        expect(entry.target).to.deep.equal({ id: member.id, email: member.email });
        expect(entry.ip_address).to.equal('127.0.0.1');
      }
    });
  });
});
