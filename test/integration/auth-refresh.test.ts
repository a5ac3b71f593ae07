import { expect } from 'chai';
import { Op } from 'sequelize';
import { sha256Hex } from '../../server/lib/tokens.js';
import { bearer, createTestApp, type TestApp } from '../helpers/app.js';
import { ManualClock } from '../helpers/clock.js';
import { registerUser, type RegisteredUser } from '../helpers/factories.js';
import { appErrorOf, decodeClaims, models } from '../helpers/inspect.js';

describe('refresh/', () => {
  let clock: ManualClock;
  let testApp: TestApp;
  let user: RegisteredUser;
  beforeEach(async () => {
    clock = new ManualClock();
    testApp = await createTestApp({ overrides: { clock } });
    user = await registerUser(testApp);
  });

  const refresh = (token: string) =>
    testApp.http().post('/api/auth/refresh/').send({ refresh: token });
  const profile = (access: string) => testApp.http().get('/api/auth/profile/').set(bearer(access));
  const rowOf = (token: string) =>
    models(testApp).RefreshToken.findOne({
      where: { tokenHash: sha256Hex(decodeClaims(token).jti as string) },
      raw: true,
    });
  const grace = () => testApp.config.jwt.refreshReuseGraceSeconds;

  it('rotates: consumes the presented token and returns a new pair that works', async () => {
    const response = await refresh(user.refresh);
    expect(response.status).to.equal(200);
    expect(response.body).to.have.keys('access', 'refresh');
    expect(response.body.refresh).to.not.equal(user.refresh);
    expect(decodeClaims(response.body.refresh).sid).to.equal(decodeClaims(user.refresh).sid);

    const parent = await rowOf(user.refresh);
    const child = await rowOf(response.body.refresh);
    expect(parent!.consumedAt).to.be.instanceOf(Date);
    expect(child).to.include({ parentId: parent!.id, consumedAt: null, revokedAt: null });

    expect((await profile(response.body.access)).status).to.equal(200);
    clock.advanceSeconds(1);
    const next = await refresh(response.body.refresh);
    expect(next.status).to.equal(200);
    expect(await models(testApp).RefreshToken.count()).to.equal(3);
  });

  it('hands out the same child again inside the grace window', async () => {
    const first = await refresh(user.refresh);
    clock.advanceSeconds(grace() - 1);
    const second = await refresh(user.refresh);
    expect(second.status).to.equal(200);
    expect(second.body.refresh).to.equal(first.body.refresh);
    const parent = await rowOf(user.refresh);
    expect(await models(testApp).RefreshToken.count({ where: { parentId: parent!.id } })).to.equal(
      1,
    );
    expect((await profile(second.body.access)).status).to.equal(200);
    expect(
      await models(testApp).ActivityLog.count({ where: { action: 'refresh_reuse_detected' } }),
    ).to.equal(0);
  });

  it('gives two concurrent refreshes of one token the same child, stored once', async () => {
    const [first, second] = await Promise.all([refresh(user.refresh), refresh(user.refresh)]);
    expect(first.status).to.equal(200);
    expect(second.status).to.equal(200);
    expect(second.body.refresh).to.equal(first.body.refresh);
    const parent = await rowOf(user.refresh);
    expect(await models(testApp).RefreshToken.count({ where: { parentId: parent!.id } })).to.equal(
      1,
    );
    expect(
      await models(testApp).Session.count({ where: { revokedAt: { [Op.ne]: null } } }),
    ).to.equal(0);
  });

  it('treats a consumed token presented after the grace window as reuse and ends the family', async () => {
    const rotated = await refresh(user.refresh);
    expect(rotated.status).to.equal(200);
    clock.advanceSeconds(grace() + 1);

    const replay = await refresh(user.refresh);
    expect(replay.status).to.equal(401);
    expect(replay.body.code).to.equal('TOKEN_INVALID');
    expect(replay.headers['www-authenticate']).to.match(/^Bearer\b/);

    // The child from the rotation, and every access token of the session, stop working.
    const child = await refresh(rotated.body.refresh);
    expect(child.status).to.equal(401);
    expect(child.body.code).to.equal('TOKEN_INVALID');
    expect((await profile(rotated.body.access)).status).to.equal(401);
    expect((await profile(user.access)).status).to.equal(401);

    const sid = decodeClaims(user.refresh).sid as string;
    const session = await models(testApp).Session.findByPk(sid, { raw: true });
    expect(session!.revokedReason).to.equal('refresh_reuse');
    expect(
      await models(testApp).RefreshToken.count({ where: { sessionId: sid, revokedAt: null } }),
    ).to.equal(0);
    const entries = await models(testApp).ActivityLog.findAll({
      where: { userId: user.id, action: 'refresh_reuse_detected' },
      raw: true,
    });
    expect(entries).to.have.length(1);
    expect(entries[0]!.metadata).to.deep.equal({ session_id: sid });
  });

  it('treats a grandparent presented inside the grace window as reuse and ends the family', async () => {
    const child = await refresh(user.refresh);
    clock.advanceSeconds(1);
    const grandchild = await refresh(child.body.refresh);
    expect(grandchild.status).to.equal(200);
    clock.advanceSeconds(1);

    // Well inside the grace window, but the live token is the grandchild: only its parent may ask.
    expect(grace()).to.be.above(2);
    const replay = await refresh(user.refresh);
    expect(replay.status).to.equal(401);
    expect(replay.body.code).to.equal('TOKEN_INVALID');
    expect((await refresh(grandchild.body.refresh)).status).to.equal(401);
    expect((await profile(grandchild.body.access)).status).to.equal(401);
    const sid = decodeClaims(user.refresh).sid as string;
    const session = await models(testApp).Session.findByPk(sid, { raw: true });
    expect(session!.revokedReason).to.equal('refresh_reuse');
    const entries = await models(testApp).ActivityLog.findAll({
      where: { userId: user.id, action: 'refresh_reuse_detected' },
      raw: true,
    });
    expect(entries.map((entry) => entry.metadata)).to.deep.equal([{ session_id: sid }]);
  });

  it('ends only the family that was replayed, not the user’s other sessions', async () => {
    const other = await testApp
      .http()
      .post('/api/auth/login/')
      .send({ email: user.email, password: user.password });
    await refresh(user.refresh);
    clock.advanceSeconds(grace() + 1);
    expect((await refresh(user.refresh)).status).to.equal(401);
    expect((await profile(other.body.tokens.access)).status).to.equal(200);
    expect((await refresh(other.body.tokens.refresh)).status).to.equal(200);
  });

  it('refuses an access token presented as a refresh token', async () => {
    const response = await refresh(user.access);
    expect(response.status).to.equal(401);
    expect(response.body.code).to.equal('TOKEN_INVALID');
    expect((await rowOf(user.refresh))!.consumedAt).to.equal(null);
  });

  it('refuses an expired refresh token', async () => {
    clock.advanceSeconds(testApp.config.jwt.refreshTokenLifetimeSeconds + 1);
    const response = await refresh(user.refresh);
    expect(response.status).to.equal(401);
    expect(response.body.code).to.equal('TOKEN_INVALID');
  });

  it('refuses a garbled or missing token', async () => {
    const garbled = await refresh('not.a.token');
    expect(garbled.status).to.equal(401);
    expect(garbled.body.code).to.equal('TOKEN_INVALID');
    const missing = await testApp.http().post('/api/auth/refresh/').send({});
    expect(missing.status).to.equal(400);
    expect(missing.body.errors).to.deep.equal({ refresh: ['This field is required.'] });
  });

  it('refuses the refresh token of a deactivated account', async () => {
    await models(testApp).User.update({ isActive: false }, { where: { id: user.id } });
    const response = await refresh(user.refresh);
    expect(response.status).to.equal(401);
    expect(response.body.code).to.equal('TOKEN_INVALID');
  });

  describe('over tRPC', () => {
    it('rotates, and a replay after the grace window ends the family', async () => {
      const caller = testApp.caller();
      const rotated = await caller.auth.refresh({ refresh: user.refresh });
      expect(rotated.refresh).to.not.equal(user.refresh);
      clock.advanceSeconds(grace() + 1);
      expect((await appErrorOf(caller.auth.refresh({ refresh: user.refresh }))).code).to.equal(
        'TOKEN_INVALID',
      );
      expect((await appErrorOf(caller.auth.refresh({ refresh: rotated.refresh }))).code).to.equal(
        'TOKEN_INVALID',
      );
      expect(
        await models(testApp).ActivityLog.count({ where: { action: 'refresh_reuse_detected' } }),
      ).to.equal(1);
    });

    it('ends the family when a grandparent is replayed inside the grace window', async () => {
      const caller = testApp.caller();
      const child = await caller.auth.refresh({ refresh: user.refresh });
      const grandchild = await caller.auth.refresh({ refresh: child.refresh });
      expect((await appErrorOf(caller.auth.refresh({ refresh: user.refresh }))).code).to.equal(
        'TOKEN_INVALID',
      );
      expect(
        (await appErrorOf(caller.auth.refresh({ refresh: grandchild.refresh }))).code,
      ).to.equal('TOKEN_INVALID');
      expect(
        await models(testApp).ActivityLog.count({ where: { action: 'refresh_reuse_detected' } }),
      ).to.equal(1);
    });
  });
});
