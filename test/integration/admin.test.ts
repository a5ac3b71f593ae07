import { expect } from 'chai';
import { bearer, createTestApp, type TestApp } from '../helpers/app.js';
import { createAccount, signedIn, staff, superuser } from '../helpers/accounts.js';
import { login } from '../helpers/factories.js';
import type { Json } from '../helpers/json.js';
import { routerShape } from '../../server/routers/_app.js';
import { operationsOf } from '../../server/trpc/operations.js';

describe('admin/users/ (staff API)', () => {
  let testApp: TestApp;
  beforeEach(async () => {
    testApp = await createTestApp();
  });

  const http = () => testApp.http();
  const users = (access: string, query: Record<string, string | number | boolean> = {}) =>
    http().get('/api/auth/admin/users/').query(query).set(bearer(access));
  const getUser = (access: string, id: string) =>
    http().get(`/api/auth/admin/users/${id}/`).set(bearer(access));
  const patch = (access: string, id: string, body: Record<string, unknown>) =>
    http().patch(`/api/auth/admin/users/${id}/`).set(bearer(access)).send(body);
  const profile = (access: string) => http().get('/api/auth/profile/').set(bearer(access));
  const stored = (id: string) => testApp.deps.database.models.User.findByPk(id, { raw: true });
  const entriesOf = (userId: string, action: string) =>
    testApp.deps.database.models.ActivityLog.findAll({ where: { userId, action }, raw: true });

  describe('who may call it', () => {
    const everyProcedure = (
      id: string,
    ): Array<{ method: 'get' | 'patch'; path: string; body?: object }> => [
      { method: 'get', path: '/api/auth/admin/users/' },
      { method: 'get', path: `/api/auth/admin/users/${id}/` },
      { method: 'patch', path: `/api/auth/admin/users/${id}/`, body: { full_name: 'Hacked' } },
      { method: 'get', path: `/api/auth/admin/users/${id}/activity/` },
    ];

    it('answers 403 PERMISSION_DENIED to a signed-in non-staff caller on every admin procedure', async () => {
      const caller = await signedIn(testApp);
      const target = await createAccount(testApp, { fullName: 'Target' });
      for (const { method, path, body } of everyProcedure(target.id)) {
        const request = http()[method](path).set(bearer(caller.access));
        const response = await (body ? request.send(body) : request);
        expect(response.status, `${method} ${path}`).to.equal(403);
        expect(response.body.code).to.equal('PERMISSION_DENIED');
      }
      const trpc = testApp.caller({ authorization: `Bearer ${caller.access}` }).admin;
      const calls = [
        () => trpc.listUsers(),
        () => trpc.getUser({ id: target.id }),
        () => trpc.updateUser({ id: target.id, full_name: 'Hacked' }),
        () => trpc.userActivity({ id: target.id }),
      ];
      for (const call of calls) {
        const error = await call().then(
          () => null,
          (thrown: { code?: string }) => thrown,
        );
        expect(error?.code).to.equal('FORBIDDEN');
      }
      expect((await stored(target.id))!.fullName).to.equal('Target');
    });

    it('answers 401 without a token, and 403 once a staff member loses staff status', async () => {
      const target = await createAccount(testApp);
      for (const { method, path } of everyProcedure(target.id)) {
        const response = await http()[method](path).send({});
        expect(response.status, `${method} ${path}`).to.equal(401);
        expect(response.body.code).to.equal('NOT_AUTHENTICATED');
      }
      const member = await staff(testApp);
      expect((await users(member.access)).status).to.equal(200);
      await testApp.deps.database.models.User.update(
        { isStaff: false },
        { where: { id: member.id } },
      );
      expect((await users(member.access)).status).to.equal(403);
    });
  });

  describe('listing and searching', () => {
    it('searches by email or name in any letter case and filters by flags', async () => {
      const admin = await staff(testApp);
      const alice = await createAccount(testApp, {
        email: 'alice.w@wonder.test',
        fullName: 'Alice Liddell',
        isVerified: true,
      });
      const bob = await createAccount(testApp, {
        email: 'bob@builder.test',
        fullName: 'Bob the Builder',
        isActive: false,
      });
      const percent = await createAccount(testApp, {
        email: 'p@percent.test',
        fullName: '100% Carol',
      });
      const ids = async (query: Record<string, string | boolean>) => {
        const response = await users(admin.access, query);
        expect(response.status, JSON.stringify(response.body)).to.equal(200);
        return response.body.results.map((user: { id: string }) => user.id).sort();
      };
      expect(await ids({ search: 'WONDER' })).to.deep.equal([alice.id]);
      expect(await ids({ search: 'builder' })).to.deep.equal([bob.id]);
      expect(await ids({ search: 'lIdDeLl' })).to.deep.equal([alice.id]);
      expect(await ids({ search: '100%' })).to.deep.equal([percent.id]);
      expect(await ids({ search: '%' })).to.deep.equal([percent.id]);
      expect(await ids({ is_active: 'false' })).to.deep.equal([bob.id]);
      expect(await ids({ is_verified: 'true' })).to.deep.equal([alice.id]);
      expect(await ids({ is_staff: 'true' })).to.deep.equal([admin.id]);
      expect(await ids({ is_staff: 'false', is_active: 'true' })).to.deep.equal(
        [alice.id, percent.id].sort(),
      );
      const bad = await users(admin.access, { is_active: 'maybe' });
      expect(bad.status).to.equal(400);
      expect(bad.body.errors).to.have.key('is_active');
    });

    it('shows the staff view of a user and never the password hash', async () => {
      const admin = await staff(testApp);
      const member = await signedIn(testApp, { fullName: 'Dora' });
      const response = await users(admin.access, { search: member.email });
      expect(response.body.results).to.have.length(1);
      const [user] = response.body.results;
      expect(user).to.have.keys(
        'id',
        'email',
        'full_name',
        'is_verified',
        'is_staff',
        'created_at',
        'last_login',
        'is_active',
        'is_superuser',
        'last_login_ip',
        'updated_at',
      );
      expect(user).to.include({ id: member.id, is_active: true, last_login_ip: '127.0.0.1' });
      expect(JSON.stringify(response.body)).to.not.match(/scrypt|password/i);
    });

    it('pages newest first, every user exactly once, while users are being added', async () => {
      const admin = await staff(testApp);
      const start = Date.parse('2026-01-01T00:00:00Z');
      for (let index = 0; index < 12; index += 1) {
        // Pairs share a creation instant, so the id decides their order.
        await createAccount(testApp, { createdAt: new Date(start + Math.floor(index / 2) * 1000) });
      }
      const { User } = testApp.deps.database.models;
      const existing = (await User.findAll({ raw: true })).map((user) => user.id);
      const seen: string[] = [];
      let cursor: string | null = null;
      for (let pages = 0; pages < 20; pages += 1) {
        const response = await users(admin.access, { limit: 5, ...(cursor ? { cursor } : {}) });
        expect(response.status).to.equal(200);
        seen.push(...response.body.results.map((user: { id: string }) => user.id));
        cursor = response.body.next_cursor;
        if (!cursor) break;
        await createAccount(testApp);
      }
      expect(cursor).to.equal(null);
      expect(new Set(seen).size).to.equal(seen.length);
      expect(seen.filter((id) => existing.includes(id)).sort()).to.deep.equal(existing.sort());
    });
  });

  describe('one user', () => {
    it('shows a user with their active sessions', async () => {
      const admin = await staff(testApp);
      const member = await signedIn(testApp, {}, { 'User-Agent': 'Tablet/4' });
      await login(testApp, member.email, member.password);
      const response = await getUser(admin.access, member.id);
      expect(response.status).to.equal(200);
      expect(response.body).to.include({ id: member.id, email: member.email, is_superuser: false });
      expect(response.body.sessions).to.have.length(2);
      expect(response.body.sessions.map((session: Json) => session.user_agent)).to.include(
        'Tablet/4',
      );
      expect(response.body.sessions.every((session: Json) => session.current === false)).to.equal(
        true,
      );
    });

    it('answers 404 for an unknown or malformed id', async () => {
      const admin = await staff(testApp);
      for (const id of [crypto.randomUUID(), 'nope', '1']) {
        for (const path of [
          `/api/auth/admin/users/${id}/`,
          `/api/auth/admin/users/${id}/activity/`,
        ]) {
          const response = await http().get(path).set(bearer(admin.access));
          expect(response.status, path).to.equal(404);
          expect(response.body.code).to.equal('NOT_FOUND');
        }
        const update = await patch(admin.access, id, { full_name: 'X' });
        expect(update.status).to.equal(404);
      }
    });

    it('answers 404 on every staff route whose path names a user by an id that is no user', async () => {
      const admin = await superuser(testApp);
      const routes = operationsOf(routerShape).filter(
        (operation) => operation.guard === 'staff' && operation.rest?.path.includes('{id}'),
      );
      expect(routes.length).to.be.greaterThan(5);
      for (const { rest } of routes) {
        for (const id of [crypto.randomUUID(), 'nope', 'constructor', '%C3%9F']) {
          const path = `/api${rest!.path.replace('{id}', id).replace(/\{\w+\}/g, crypto.randomUUID())}`;
          for (const method of rest!.methods) {
            const request =
              http()[method.toLowerCase() as 'get' | 'post' | 'patch' | 'delete'](path);
            const response = await request
              .set(bearer(admin.access))
              .send(method === 'GET' ? undefined : {});
            expect(response.status, `${method} ${path}`).to.equal(404);
            expect(response.body.code).to.equal('NOT_FOUND');
          }
        }
      }
    });

    it("lists a user's activity with the metadata, newest first", async () => {
      const admin = await staff(testApp);
      const member = await signedIn(testApp);
      await patch(admin.access, member.id, { full_name: 'Renamed' });
      const response = await http()
        .get(`/api/auth/admin/users/${member.id}/activity/`)
        .query({ limit: 1 })
        .set(bearer(admin.access));
      expect(response.status).to.equal(200);
      expect(response.body.results).to.have.length(1);
      expect(response.body.results[0]).to.include({ action: 'profile_update' });
      expect(response.body.results[0].metadata).to.include({ admin_id: admin.id });
      expect(response.body.next_cursor).to.be.a('string');
      const next = await http()
        .get(`/api/auth/admin/users/${member.id}/activity/`)
        .query({ limit: 5, cursor: response.body.next_cursor, action: 'login' })
        .set(bearer(admin.access));
      expect(next.body.results.map((entry: Json) => entry.action)).to.deep.equal(['login']);
    });
  });

  describe('changing a user', () => {
    it('sets full_name and is_verified, ignores read-only fields, and records who did it', async () => {
      const admin = await staff(testApp);
      const member = await signedIn(testApp, { fullName: 'Old Name' });
      const response = await patch(admin.access, member.id, {
        full_name: '  New Name ',
        is_verified: true,
        email: 'stolen@example.com',
        is_superuser: true,
      });
      expect(response.status, JSON.stringify(response.body)).to.equal(200);
      expect(response.body.user).to.include({
        full_name: 'New Name',
        is_verified: true,
        email: member.email,
        is_superuser: false,
      });
      const row = (await stored(member.id))!;
      expect(row).to.include({ fullName: 'New Name', isVerified: true, isSuperuser: false });
      const [entry] = await entriesOf(member.id, 'profile_update');
      expect(entry!.metadata).to.deep.include({
        admin_id: admin.id,
        fields: ['is_verified', 'full_name'],
      });
      // The member reads their own log: the administrator's address is not theirs to see.
      const own = await http().get('/api/auth/activity/').set(bearer(member.access));
      expect(own.body.results[0]).to.include({
        action: 'profile_update',
        ip_address: null,
        user_agent: null,
      });
      expect(own.body.results[0]).to.not.have.key('metadata');
    });

    it("deactivates: the user's access token is refused on its very next request", async () => {
      const admin = await staff(testApp);
      const member = await signedIn(testApp);
      const other = await login(testApp, member.email, member.password);
      expect((await profile(member.access)).status).to.equal(200);
      expect((await profile(other.access)).status).to.equal(200);

      const response = await patch(admin.access, member.id, { is_active: false });
      expect(response.status).to.equal(200);
      expect(response.body.user).to.include({ is_active: false });
      expect(response.body.user.sessions).to.deep.equal([]);

      for (const tokens of [member, other]) {
        const refused = await profile(tokens.access);
        expect(refused.status).to.equal(401);
        expect(refused.body.code).to.equal('TOKEN_INVALID');
        expect(
          (await http().post('/api/auth/refresh/').send({ refresh: tokens.refresh })).status,
        ).to.equal(401);
      }
      const relogin = await http()
        .post('/api/auth/login/')
        .send({ email: member.email, password: member.password });
      expect(relogin.status).to.equal(401);
      expect(relogin.body.code).to.equal('AUTHENTICATION_FAILED');

      const { Session } = testApp.deps.database.models;
      const sessions = await Session.findAll({ where: { userId: member.id }, raw: true });
      expect(sessions.every((session) => session.revokedReason === 'account_deactivated')).to.equal(
        true,
      );
      const [entry] = await entriesOf(member.id, 'account_deactivated');
      expect(entry!.metadata).to.include({ admin_id: admin.id, sessions_revoked: 2 });
      expect(testApp.mailer.last('account_deactivated')).to.include({ to: member.email });

      const reactivated = await patch(admin.access, member.id, { is_active: true });
      expect(reactivated.body.user.is_active).to.equal(true);
      await login(testApp, member.email, member.password);
    });

    it('lets only a superuser grant or remove staff status', async () => {
      const member = await staff(testApp);
      const target = await signedIn(testApp);
      const denied = await patch(member.access, target.id, { is_staff: true });
      expect(denied.status).to.equal(403);
      expect(denied.body.code).to.equal('PERMISSION_DENIED');
      expect((await stored(target.id))!.isStaff).to.equal(false);
      // Sending the value it already has changes nothing and is allowed.
      expect((await patch(member.access, target.id, { is_staff: false })).status).to.equal(200);

      const root = await superuser(testApp);
      const granted = await patch(root.access, target.id, { is_staff: true });
      expect(granted.status).to.equal(200);
      expect((await stored(target.id))!.isStaff).to.equal(true);
      expect((await users(target.access)).status).to.equal(200);
      const removed = await patch(root.access, target.id, { is_staff: false });
      expect(removed.body.user.is_staff).to.equal(false);
      expect((await users(target.access)).status).to.equal(403);
      const [entry] = await entriesOf(target.id, 'profile_update');
      expect(entry!.metadata).to.deep.include({ admin_id: root.id, fields: ['is_staff'] });
    });

    it('does not let a staff member change a superuser account', async () => {
      const member = await staff(testApp);
      const root = await superuser(testApp);
      for (const body of [{ is_active: false }, { full_name: 'Demoted' }]) {
        const response = await patch(member.access, root.id, body);
        expect(response.status).to.equal(403);
        expect(response.body.code).to.equal('PERMISSION_DENIED');
      }
      expect((await stored(root.id))!).to.include({ isActive: true, fullName: 'Grace Hopper' });
      expect((await profile(root.access)).status).to.equal(200);
    });
  });

  describe('the last superuser', () => {
    it('cannot deactivate themselves or give up staff status', async () => {
      const root = await superuser(testApp);
      const deactivate = await patch(root.access, root.id, { is_active: false });
      expect(deactivate.status).to.equal(400);
      expect(deactivate.body.code).to.equal('VALIDATION_ERROR');
      expect(deactivate.body.errors.is_active[0]).to.match(/last active superuser/);
      const demote = await patch(root.access, root.id, { is_staff: false });
      expect(demote.status).to.equal(400);
      expect(demote.body.errors.is_staff[0]).to.match(/last active superuser/);
      expect((await stored(root.id))!).to.include({ isActive: true, isStaff: true });
      expect((await profile(root.access)).status).to.equal(200);
      expect(await entriesOf(root.id, 'account_deactivated')).to.deep.equal([]);
    });

    it('can step down once another active superuser exists', async () => {
      const root = await superuser(testApp);
      // An inactive superuser does not count.
      await createAccount(testApp, { isStaff: true, isSuperuser: true, isActive: false });
      expect((await patch(root.access, root.id, { is_staff: false })).status).to.equal(400);
      await createAccount(testApp, { isStaff: true, isSuperuser: true });
      const response = await patch(root.access, root.id, { is_staff: false });
      expect(response.status).to.equal(200);
      expect((await users(root.access)).status).to.equal(403);
    });

    it('holds when two superusers demote each other at the same moment', async () => {
      const first = await superuser(testApp);
      const second = await superuser(testApp);
      const responses = await Promise.all([
        patch(first.access, second.id, { is_active: false }),
        patch(second.access, first.id, { is_active: false }),
      ]);
      const [won, lost] = responses.map((response) => response.status).sort();
      expect(won).to.equal(200);
      // The loser is refused whichever way the race went: as the last superuser (400), or
      // because the winner's change reached its session (401) or account (403) first.
      expect([400, 401, 403]).to.include(lost);
      const active = await testApp.deps.database.models.User.count({
        where: { isSuperuser: true, isActive: true, isStaff: true },
      });
      expect(active).to.equal(1);
    });
  });
});
