/**
 * A session (one login) ends SESSION_MAX_AGE_DAYS after the login however often it refreshes,
 * and SESSION_IDLE_DAYS after its last refresh; no token it issues outlives that end. Time moves
 * by the injected clock only.
 */
import { expect } from 'chai';
import { bearer, createTestApp, type TestApp } from '../helpers/app.js';
import { ManualClock } from '../helpers/clock.js';
import { login, registerUser, type RegisteredUser } from '../helpers/factories.js';
import { appErrorOf, decodeClaims } from '../helpers/inspect.js';

const DAY = 24 * 3600;
const MAX_AGE_DAYS = 10;
const IDLE_DAYS = 3;

describe('session lifetime: SESSION_MAX_AGE_DAYS and SESSION_IDLE_DAYS', () => {
  let clock: ManualClock;
  let testApp: TestApp;
  let user: RegisteredUser;
  /** The login, in seconds since the epoch. */
  let loggedInAt: number;

  const lifetimeApp = (env: Record<string, string> = {}) =>
    createTestApp({
      env: {
        SESSION_MAX_AGE_DAYS: String(MAX_AGE_DAYS),
        SESSION_IDLE_DAYS: String(IDLE_DAYS),
        ...env,
      },
      overrides: { clock },
    });

  beforeEach(async () => {
    clock = new ManualClock();
    testApp = await lifetimeApp();
    loggedInAt = clock.now().getTime() / 1000;
    user = await registerUser(testApp);
  });

  const refresh = (token: string, app = testApp) =>
    app.http().post('/api/auth/refresh/').send({ refresh: token });
  const profile = (access: string, app = testApp) =>
    app.http().get('/api/auth/profile/').set(bearer(access));
  const expectTokenInvalid = (response: { status: number; body: { code?: string } }) => {
    expect(response.status).to.equal(401);
    expect(response.body.code).to.equal('TOKEN_INVALID');
  };

  it('ends the session SESSION_MAX_AGE_DAYS after the login, however often it refreshes', async () => {
    let tokens = { access: user.access, refresh: user.refresh };
    for (let day = 2; day <= 8; day += 2) {
      clock.advanceSeconds(2 * DAY);
      const rotated = await refresh(tokens.refresh);
      expect(rotated.status, `refresh on day ${day}`).to.equal(200);
      tokens = rotated.body;
    }
    // Day 9.5: the idle end (day 12.5) lies past the absolute end, so both tokens stop at day 10.
    clock.advanceSeconds(1.5 * DAY);
    const last = await refresh(tokens.refresh);
    expect(last.status).to.equal(200);
    const end = loggedInAt + MAX_AGE_DAYS * DAY;
    expect(decodeClaims(last.body.refresh).exp)
      .to.be.at.most(end)
      .and.above(end - 2);
    expect(decodeClaims(last.body.access).exp).to.be.at.most(end);
    expect((await profile(last.body.access)).status).to.equal(200);

    clock.advanceSeconds(0.5 * DAY + 1);
    expectTokenInvalid(await refresh(last.body.refresh));
    expectTokenInvalid(await profile(last.body.access));
  });

  it('ends the session SESSION_IDLE_DAYS after its last refresh', async () => {
    const phone = await login(testApp, user.email, user.password);
    clock.advanceSeconds(IDLE_DAYS * DAY - 60);
    const kept = await refresh(phone.refresh);
    expect(kept.status, 'a refresh just inside the idle time').to.equal(200);
    const claims = decodeClaims(kept.body.refresh);
    expect((claims.exp as number) - (claims.iat as number)).to.equal(IDLE_DAYS * DAY);

    clock.advanceSeconds(61);
    expectTokenInvalid(await refresh(user.refresh));
    // The ended session is no longer listed; the refreshed one is.
    const listed = await testApp.http().get('/api/auth/sessions/').set(bearer(kept.body.access));
    expect(listed.body.results.map((session: { id: string }) => session.id)).to.deep.equal([
      decodeClaims(phone.access).sid,
    ]);
  });

  it('gives a refresh token no more than the refresh lifetime when the session allows longer', async () => {
    const longIdle = await lifetimeApp({ SESSION_IDLE_DAYS: '9', JWT_REFRESH_TOKEN_LIFETIME: '7' });
    const tokens = await login(longIdle, user.email, user.password);
    const claims = decodeClaims(tokens.refresh);
    expect((claims.exp as number) - (claims.iat as number)).to.equal(7 * DAY);
    clock.advanceSeconds(7 * DAY + 1);
    expectTokenInvalid(await refresh(tokens.refresh, longIdle));
  });

  it('ends sessions older than a lowered SESSION_MAX_AGE_DAYS at once, cached or not', async () => {
    clock.advanceSeconds(2 * DAY);
    const rotated = await refresh(user.refresh);
    expect(rotated.status).to.equal(200);
    // The session is now known to the hot path's cache as active.
    expect((await profile(rotated.body.access)).status).to.equal(200);

    const restarted = await lifetimeApp({ SESSION_MAX_AGE_DAYS: '1', SESSION_IDLE_DAYS: '1' });
    expectTokenInvalid(await profile(rotated.body.access, restarted));
    expectTokenInvalid(await refresh(rotated.body.refresh, restarted));

    // A login on the restarted service lives by the new setting.
    const fresh = await login(restarted, user.email, user.password);
    expect((await profile(fresh.access, restarted)).status).to.equal(200);
    // The old session's refresh end lies ahead, but it is past the new maximum age: not listed.
    const listed = await restarted.http().get('/api/auth/sessions/').set(bearer(fresh.access));
    expect(listed.body.results.map((session: { id: string }) => session.id)).to.deep.equal([
      decodeClaims(fresh.access).sid,
    ]);
  });

  it('keeps the defaults: 30 days from the login, idle for the refresh lifetime', async () => {
    const defaults = await createTestApp({ overrides: { clock } });
    expect(defaults.config.sessions).to.deep.equal({
      maxAgeSeconds: 30 * DAY,
      idleSeconds: 7 * DAY,
    });
    const tokens = await login(defaults, user.email, user.password);
    let current = tokens.refresh;
    for (let day = 6; day < 30; day += 6) {
      clock.advanceSeconds(6 * DAY);
      const rotated = await refresh(current, defaults);
      expect(rotated.status, `refresh on day ${day}`).to.equal(200);
      current = rotated.body.refresh;
    }
    clock.advanceSeconds(6 * DAY);
    expectTokenInvalid(await refresh(current, defaults));
  });

  describe('over tRPC', () => {
    it('refuses a refresh and an access token past the session end with TOKEN_INVALID', async () => {
      const caller = testApp.caller();
      clock.advanceSeconds(IDLE_DAYS * DAY - 60);
      const kept = await caller.auth.refresh({ refresh: user.refresh });
      const authed = testApp.caller({ authorization: `Bearer ${kept.access}` });
      expect((await authed.profile.get()).email).to.equal(user.email);

      clock.advanceSeconds(IDLE_DAYS * DAY);
      expect((await appErrorOf(caller.auth.refresh({ refresh: kept.refresh }))).code).to.equal(
        'TOKEN_INVALID',
      );

      const restarted = await lifetimeApp({ SESSION_MAX_AGE_DAYS: '5', SESSION_IDLE_DAYS: '5' });
      const fresh = await login(restarted, user.email, user.password);
      clock.advanceSeconds(4 * DAY);
      const rotated = await restarted.caller().auth.refresh({ refresh: fresh.refresh });
      const lowered = await lifetimeApp({ SESSION_MAX_AGE_DAYS: '3', SESSION_IDLE_DAYS: '3' });
      const refused = lowered.caller({ authorization: `Bearer ${rotated.access}` });
      expect((await appErrorOf(refused.profile.get())).code).to.equal('TOKEN_INVALID');
    });
  });
});
