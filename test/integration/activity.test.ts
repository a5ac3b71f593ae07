import { expect } from 'chai';
import { ACTIVITY_ACTION_NAMES } from '../../server/schemas/activity.js';
import { bearer, createTestApp, type TestApp } from '../helpers/app.js';
import { signedIn, superuser } from '../helpers/accounts.js';
import { ManualClock } from '../helpers/clock.js';
import { login, registerUser } from '../helpers/factories.js';
import { totpCode } from '../helpers/mfa.js';

interface Entry {
  id: string;
  action: string;
  ip_address: string | null;
  user_agent: string | null;
  created_at: string;
}

describe('activity/', () => {
  let testApp: TestApp;
  beforeEach(async () => {
    testApp = await createTestApp();
  });

  const activity = (access: string, query: Record<string, string | number> = {}) =>
    testApp.http().get('/api/auth/activity/').query(query).set(bearer(access));

  /** Writes entries for a user directly, `count` of them, one second apart, oldest first. */
  async function writeEntries(userId: string, count: number, start: Date, sameInstant = false) {
    for (let index = 0; index < count; index += 1) {
      await testApp.deps.database.models.ActivityLog.create({
        userId,
        action: 'profile_update',
        ipAddress: '10.0.0.1',
        userAgent: `entry ${index}`,
        createdAt: new Date(start.getTime() + (sameInstant ? 0 : index * 1000)),
      });
    }
  }

  /** Follows next_cursor to the end; `between` runs after each page. */
  async function allPages(access: string, limit: number, between?: () => Promise<void>) {
    const seen: Entry[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 50; pages += 1) {
      const response = await activity(access, { limit, ...(cursor ? { cursor } : {}) });
      expect(response.status, JSON.stringify(response.body)).to.equal(200);
      expect(response.body.results.length).to.be.at.most(limit);
      seen.push(...response.body.results);
      cursor = response.body.next_cursor;
      if (!cursor) return seen;
      await between?.();
    }
    throw new Error('pagination did not end');
  }

  it("lists the caller's own entries newest first, with IP and user agent", async () => {
    const user = await registerUser(testApp);
    const tokens = await login(testApp, user.email, user.password, { 'User-Agent': 'Browser/9' });
    await testApp
      .http()
      .post('/api/auth/login/')
      .set('User-Agent', 'Attacker/1')
      .send({ email: user.email, password: 'wrong-password-1' });
    const stranger = await registerUser(testApp);

    const response = await activity(tokens.access);
    expect(response.status).to.equal(200);
    expect(response.body.next_cursor).to.equal(null);
    const entries: Entry[] = response.body.results;
    expect(entries.map((entry) => entry.action)).to.deep.equal([
      'login_failed',
      'login',
      'register',
    ]);
    expect(entries[0]).to.have.keys('id', 'action', 'ip_address', 'user_agent', 'created_at');
    expect(entries[0]).to.include({ ip_address: '127.0.0.1', user_agent: 'Attacker/1' });
    expect(entries[1]).to.include({ ip_address: '127.0.0.1', user_agent: 'Browser/9' });
    const strangers = await activity(stranger.access);
    expect(strangers.body.results.map((entry: Entry) => entry.action)).to.deep.equal(['register']);
  });

  it('records login_failed for an existing account, wrong password or deactivated, but not for an unknown email', async () => {
    const user = await signedIn(testApp);
    const inactive = await signedIn(testApp);
    await testApp.deps.database.models.User.update(
      { isActive: false },
      { where: { id: inactive.id } },
    );
    const attempt = (email: string, password: string) =>
      testApp
        .http()
        .post('/api/auth/login/')
        .set('User-Agent', 'Guesser/3')
        .send({ email, password });
    expect((await attempt(user.email, 'not-the-password')).status).to.equal(401);
    expect((await attempt(inactive.email, inactive.password)).status).to.equal(401);
    expect((await attempt('nobody@example.com', 'whatever-123')).status).to.equal(401);

    const { ActivityLog } = testApp.deps.database.models;
    const failed = await ActivityLog.findAll({ where: { action: 'login_failed' }, raw: true });
    expect(failed.map((entry) => [entry.userId, entry.metadata.reason]).sort()).to.deep.equal(
      [
        [user.id, 'bad_password'],
        [inactive.id, 'inactive'],
      ].sort(),
    );
    for (const entry of failed) {
      expect(entry.ipAddress).to.equal('127.0.0.1');
      expect(entry.userAgent).to.equal('Guesser/3');
    }
  });

  it('records refresh_reuse_detected when a consumed refresh token is presented again', async () => {
    const clock = new ManualClock();
    testApp = await createTestApp({ overrides: { clock } });
    const user = await registerUser(testApp);
    const first = await testApp.http().post('/api/auth/refresh/').send({ refresh: user.refresh });
    expect(first.status).to.equal(200);
    clock.advanceSeconds(testApp.config.jwt.refreshReuseGraceSeconds + 5);

    const replay = await testApp
      .http()
      .post('/api/auth/refresh/')
      .set('User-Agent', 'Replayer/1')
      .send({ refresh: user.refresh });
    expect(replay.status).to.equal(401);
    const tokens = await login(testApp, user.email, user.password);
    const entries: Entry[] = (await activity(tokens.access, { action: 'refresh_reuse_detected' }))
      .body.results;
    expect(entries).to.have.length(1);
    expect(entries[0]).to.include({ ip_address: '127.0.0.1', user_agent: 'Replayer/1' });
  });

  it('records every contract action where it happens', async () => {
    const admin = await superuser(testApp);
    const user = await registerUser(testApp);
    const http = () => testApp.http();
    const resent = await http()
      .post('/api/auth/resend-verification/')
      .set(bearer(user.access))
      .send({});
    expect(resent.status, JSON.stringify(resent.body)).to.equal(200);
    const verified = await http()
      .post('/api/auth/verify-email/')
      .send({ token: testApp.mailer.verificationTokenFor(user.email) });
    expect(verified.status, JSON.stringify(verified.body)).to.equal(200);
    const second = await login(testApp, user.email, user.password);
    await http().post('/api/auth/login/').send({ email: user.email, password: 'wrong-pass-9' });
    await http()
      .patch('/api/auth/profile/update/')
      .set(bearer(second.access))
      .send({ full_name: 'Ada King' });
    const changed = await http()
      .post('/api/auth/change-password/')
      .set(bearer(second.access))
      .send({
        current_password: user.password,
        new_password: 'Another-Horse-Battery-7',
        new_password_confirm: 'Another-Horse-Battery-7',
      });
    expect(changed.status).to.equal(200);
    await http().post('/api/auth/forgot-password/').send({ email: user.email });
    const token = testApp.mailer.resetTokenFor(user.email)!;
    const reset = await http().post('/api/auth/reset-password/').send({
      token,
      password: 'Third-Horse-Battery-5',
      password_confirm: 'Third-Horse-Battery-5',
    });
    expect(reset.status).to.equal(200);
    const a = await login(testApp, user.email, 'Third-Horse-Battery-5');
    const b = await login(testApp, user.email, 'Third-Horse-Battery-5');
    const c = await login(testApp, user.email, 'Third-Horse-Battery-5');
    await http().post('/api/auth/logout/').set(bearer(c.access)).send({});
    const sid = JSON.parse(Buffer.from(b.access.split('.')[1]!, 'base64url').toString()).sid;
    await http().delete(`/api/auth/sessions/${sid}/`).set(bearer(a.access));
    const rotated = await http().post('/api/auth/refresh/').send({ refresh: a.refresh });
    expect(rotated.status).to.equal(200);
    await http().post('/api/auth/logout-all/').set(bearer(rotated.body.access)).send({});
    const d = await login(testApp, user.email, 'Third-Horse-Battery-5');
    await testApp.deps.database.models.RefreshToken.update(
      { consumedAt: new Date(Date.now() - 3600_000) },
      { where: {} },
    );
    expect((await http().post('/api/auth/refresh/').send({ refresh: d.refresh })).status).to.equal(
      401,
    );
    // Two-factor authentication: on, a wrong code, a recovery code, a new set, off.
    const e = await login(testApp, user.email, 'Third-Horse-Battery-5');
    const withE = (path: string, body: Record<string, unknown>) =>
      http().post(`/api/auth/${path}`).set(bearer(e.access)).send(body);
    const { secret } = (await withE('mfa/totp/setup/', { password: 'Third-Horse-Battery-5' })).body;
    const confirmed = await withE('mfa/totp/confirm/', { code: totpCode(secret, new Date()) });
    expect(confirmed.status).to.equal(200);
    const challenge = async () =>
      (
        await http()
          .post('/api/auth/login/')
          .send({ email: user.email, password: 'Third-Horse-Battery-5' })
      ).body.mfa_token as string;
    const mfa = (mfa_token: string, code: string) =>
      http().post('/api/auth/login/mfa/').send({ mfa_token, code });
    expect((await mfa(await challenge(), '000000')).status).to.equal(401);
    expect((await mfa(await challenge(), confirmed.body.recovery_codes[0])).status).to.equal(200);
    await withE('mfa/recovery-codes/', { password: 'Third-Horse-Battery-5' });
    const off = await withE('mfa/totp/disable/', {
      password: 'Third-Horse-Battery-5',
      code: totpCode(secret, new Date(), 1),
    });
    expect(off.status, JSON.stringify(off.body)).to.equal(200);
    // The email changes (every session ends), and another account is deleted.
    await withE('email/change/', {
      new_email: `moved.${user.email}`,
      password: 'Third-Horse-Battery-5',
    });
    const moved = await http()
      .post('/api/auth/email/change/confirm/')
      .send({ token: testApp.mailer.emailChangeTokenFor(`moved.${user.email}`) });
    expect(moved.status).to.equal(200);
    const leaving = await registerUser(testApp);
    const gone = await http()
      .post('/api/auth/account/delete/')
      .set(bearer(leaving.access))
      .send({ password: leaving.password });
    expect(gone.status).to.equal(200);

    const deactivated = await http()
      .patch(`/api/auth/admin/users/${user.id}/`)
      .set(bearer(admin.access))
      .send({ is_active: false });
    expect(deactivated.status).to.equal(200);

    // The deactivation lands in the user's log and, as `staff_action`, in the admin's own.
    const recorded = await testApp.deps.database.models.ActivityLog.findAll({
      where: { userId: [user.id, admin.id, leaving.id] },
      raw: true,
    });
    const actions = new Set(recorded.map((entry) => entry.action));
    expect([...actions].sort()).to.deep.equal([...ACTIVITY_ACTION_NAMES].sort());
  });

  it('filters by action, and refuses an action that does not exist', async () => {
    const user = await registerUser(testApp);
    await login(testApp, user.email, user.password);
    const tokens = await login(testApp, user.email, user.password);
    const logins = await activity(tokens.access, { action: 'login' });
    expect(logins.body.results.map((entry: Entry) => entry.action)).to.deep.equal([
      'login',
      'login',
    ]);
    const bad = await activity(tokens.access, { action: 'dance' });
    expect(bad.status).to.equal(400);
    expect(bad.body.code).to.equal('VALIDATION_ERROR');
    expect(bad.body.errors).to.have.key('action');
  });

  it('returns every entry exactly once across pages while new entries are being written', async () => {
    const user = await signedIn(testApp);
    // 23 entries over time, then 7 written in the same microsecond: ties break on the id.
    await writeEntries(user.id, 23, new Date('2026-01-01T00:00:00Z'));
    await writeEntries(user.id, 7, new Date('2026-02-01T00:00:00Z'), true);
    const { ActivityLog } = testApp.deps.database.models;
    const before = (await ActivityLog.findAll({ where: { userId: user.id }, raw: true })).map(
      (entry) => String(entry.id),
    );
    expect(before).to.have.length(31); // and the login

    let written = 0;
    const seen = await allPages(user.access, 4, async () => {
      // A newer entry, and one at the very instant of the newest entries, after every page.
      await login(testApp, user.email, user.password);
      await writeEntries(user.id, 1, new Date('2026-02-01T00:00:00Z'));
      written += 2;
    });
    const ids = seen.map((entry) => entry.id);
    expect(new Set(ids).size, 'no entry twice').to.equal(ids.length);
    expect(ids.filter((id) => before.includes(id)).sort()).to.deep.equal([...before].sort());
    expect(written).to.be.greaterThan(10);
    const times = seen.map((entry) => Date.parse(entry.created_at));
    expect(times).to.deep.equal([...times].sort((x, y) => y - x));
  });

  it('keeps entries apart that differ by less than a millisecond', async () => {
    const user = await signedIn(testApp);
    await testApp.deps.database.sequelize.query(
      `INSERT INTO activity_logs (user_id, action, created_at)
       SELECT $1, 'profile_update', timestamptz '2026-03-01 00:00:00Z' + n * interval '1 microsecond'
         FROM generate_series(1, 5) AS n`,
      { bind: [user.id] },
    );
    const seen = await allPages(user.access, 1);
    expect(seen).to.have.length(6);
    expect(new Set(seen.map((entry) => entry.id)).size).to.equal(6);
  });

  it('refuses a limit outside 1..100 and a cursor it did not issue', async () => {
    const user = await signedIn(testApp);
    for (const limit of [0, 101, 'ten']) {
      const response = await activity(user.access, { limit });
      expect(response.status, String(limit)).to.equal(400);
      expect(response.body.errors).to.have.key('limit');
    }
    const usersCursor = Buffer.from(JSON.stringify(['users', '1', crypto.randomUUID()])).toString(
      'base64url',
    );
    for (const cursor of ['garbage', usersCursor, Buffer.from('[1,2]').toString('base64url')]) {
      const response = await activity(user.access, { cursor });
      expect(response.status).to.equal(400);
      expect(response.body.code).to.equal('VALIDATION_ERROR');
      expect(response.body.errors).to.deep.equal({ cursor: ['Invalid cursor.'] });
    }
    expect((await activity(user.access, { limit: 100 })).status).to.equal(200);
  });

  it('needs a token', async () => {
    const response = await testApp.http().get('/api/auth/activity/');
    expect(response.status).to.equal(401);
    expect(response.body.code).to.equal('NOT_AUTHENTICATED');
  });

  it('serves the same procedure over tRPC with numbers and dates as such', async () => {
    const user = await registerUser(testApp);
    const caller = testApp.caller({ authorization: `Bearer ${user.access}` });
    const page = await caller.activity.list({ limit: 1 });
    expect(page.results).to.have.length(1);
    expect(page.results[0]!.created_at).to.be.instanceOf(Date);
    expect((await caller.activity.list()).results[0]!.action).to.equal('register');
  });
});
