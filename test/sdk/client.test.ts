/**
 * The SDK against the real server (PostgreSQL, Redis) over HTTP: every procedure, the token
 * store kept in step, refresh on expiry (single flight), the end of a revoked session, and
 * typed error codes.
 */
import { TRPCClientError } from '@trpc/client';
import { expect } from 'chai';
import {
  AuthClientError,
  isAuthClientError,
  localStorageTokenStore,
  memoryTokenStore,
  needsSecondFactor,
  type AuthErrorCode,
  type RouterInputs,
  type StorageLike,
  type TokenPair,
  type User,
} from '../../client-sdk/src/index.js';
import { STRONG_PASSWORD, uniqueEmail } from '../helpers/factories.js';
import { recordingClient, startLiveServer, type LiveServer } from './harness.js';

/** Awaits a call that must fail and returns its error as the SDK types it. */
async function failure(call: Promise<unknown>): Promise<AuthClientError> {
  try {
    await call;
  } catch (error) {
    expect(error).to.be.instanceOf(AuthClientError);
    return error as AuthClientError;
  }
  throw new Error('expected the call to fail');
}

const ACCESS_LIFETIME_SECONDS = 60;

describe('client SDK against the live server', () => {
  let live: LiveServer;

  beforeEach(async () => {
    live = await startLiveServer();
  });

  afterEach(async () => {
    await live.close();
  });

  const signUp = (email = uniqueEmail('sdk')): RouterInputs['auth']['register'] => ({
    email,
    full_name: 'Grace Hopper',
    password: STRONG_PASSWORD,
    password_confirm: STRONG_PASSWORD,
  });

  describe('procedures and the token store', () => {
    it('register stores the pair, profile reads with it, update changes the name', async () => {
      const { client, store, sessionChanges } = recordingClient(live.url);
      const input = signUp();
      const registered = await client.auth.register.mutate(input);

      expect(registered.user.email).to.equal(input.email);
      expect(await store.get()).to.deep.equal(registered.tokens);
      expect(sessionChanges).to.deep.equal([registered.tokens]);

      const user: User = await client.profile.get.query();
      expect(user.id).to.equal(registered.user.id);
      expect(user.created_at).to.be.instanceOf(Date);
      expect(user.last_login).to.equal(null);

      const updated = await client.profile.update.mutate({ full_name: '  Ada Byron ' });
      expect(updated.user.full_name).to.equal('Ada Byron');
      expect((await client.profile.get.query()).full_name).to.equal('Ada Byron');
    });

    it('login stores the pair; logout revokes access and refresh tokens and clears the store', async () => {
      const input = signUp();
      await recordingClient(live.url).client.auth.register.mutate(input);

      const { client, store, sessionChanges, calls } = recordingClient(live.url);
      const login = await client.auth.login.mutate({
        email: input.email.toUpperCase(),
        password: STRONG_PASSWORD,
      });
      if (needsSecondFactor(login)) throw new Error('no TOTP on this account');
      const loggedIn = login;
      expect(loggedIn.user.last_login).to.be.instanceOf(Date);
      expect(await store.get()).to.deep.equal(loggedIn.tokens);

      const { message } = await client.auth.logout.mutate();
      expect(message).to.be.a('string');
      expect(await store.get()).to.equal(null);
      expect(sessionChanges).to.deep.equal([loggedIn.tokens, null]);

      // The SDK sent the stored refresh token along, so it is revoked as well as the access token.
      const reuse = await failure(
        recordingClient(live.url).client.auth.refresh.mutate({ refresh: loggedIn.tokens.refresh }),
      );
      expect(reuse.code).to.equal('TOKEN_INVALID');
      const other = recordingClient(live.url, { storage: memoryTokenStore(loggedIn.tokens) });
      expect((await failure(other.client.profile.get.query())).code).to.equal('TOKEN_INVALID');

      // With no session there is no token to send, and nothing to refresh.
      const anonymous = await failure(client.profile.get.query());
      expect(anonymous.code).to.equal('NOT_AUTHENTICATED');
      expect(calls).to.deep.equal(['auth.login', 'auth.logout', 'profile.get']);
    });

    it('an explicit refresh rotates and stores the pair', async () => {
      const { client, store, sessionChanges } = recordingClient(live.url);
      const { tokens } = await client.auth.register.mutate(signUp());

      const rotated = await client.auth.refresh.mutate({ refresh: tokens.refresh });
      expect(rotated.refresh).to.not.equal(tokens.refresh);
      expect(await store.get()).to.deep.equal(rotated);
      expect(sessionChanges.at(-1)).to.deep.equal(rotated);
      expect((await client.profile.get.query()).email).to.be.a('string');
    });

    it('change-password stores the fresh pair and ends the other sessions', async () => {
      const input = signUp();
      const phone = recordingClient(live.url);
      await phone.client.auth.register.mutate(input);
      const laptop = recordingClient(live.url);
      await laptop.client.auth.login.mutate({ email: input.email, password: STRONG_PASSWORD });

      const newPassword = 'Another-Long-Passphrase-42';
      const changed = await laptop.client.auth.changePassword.mutate({
        current_password: STRONG_PASSWORD,
        new_password: newPassword,
        new_password_confirm: newPassword,
      });
      expect(await laptop.store.get()).to.deep.equal(changed.tokens);
      expect(laptop.sessionChanges.at(-1)).to.deep.equal(changed.tokens);
      expect((await laptop.client.profile.get.query()).email).to.equal(input.email);

      // The phone's refresh token was revoked: once its access token expires, its session ends.
      live.clock.advanceSeconds(ACCESS_LIFETIME_SECONDS + 1);
      const ended = await failure(phone.client.profile.get.query());
      expect(ended.code).to.equal('TOKEN_INVALID');
      expect(await phone.store.get()).to.equal(null);
      expect(phone.sessionChanges.at(-1)).to.equal(null);

      const wrong = await failure(
        laptop.client.auth.changePassword.mutate({
          current_password: STRONG_PASSWORD,
          new_password: newPassword,
          new_password_confirm: newPassword,
        }),
      );
      expect(wrong.code).to.equal('VALIDATION_ERROR');
      expect(wrong.errors).to.have.property('current_password');
    });

    it('forgot-password and reset-password set a new password and end the old sessions', async () => {
      const input = signUp();
      const device = recordingClient(live.url);
      await device.client.auth.register.mutate(input);

      const { client, store } = recordingClient(live.url);
      const requested = await client.auth.forgotPassword.mutate({ email: input.email });
      expect(requested.message).to.be.a('string');
      const token = live.testApp.mailer.resetTokenFor(input.email);
      expect(token, 'reset token mailed').to.be.a('string');

      const newPassword = 'Fresh-Reset-Passphrase-77';
      const reset = { token: token!, password: newPassword, password_confirm: newPassword };
      expect((await client.auth.resetPassword.mutate(reset)).message).to.be.a('string');
      const used = await failure(client.auth.resetPassword.mutate(reset));
      expect(used.code).to.equal('VALIDATION_ERROR');
      expect(used.errors).to.have.property('token');
      expect(await store.get()).to.equal(null);

      await client.auth.login.mutate({ email: input.email, password: newPassword });
      expect(await store.get()).to.not.equal(null);

      // Every refresh token was revoked: the other device's session ends at its next refresh.
      live.clock.advanceSeconds(ACCESS_LIFETIME_SECONDS + 1);
      expect((await failure(device.client.profile.get.query())).code).to.equal('TOKEN_INVALID');
      expect(device.sessionChanges.at(-1)).to.equal(null);
    });
  });

  describe('refresh on an expired access token', () => {
    it('refreshes once, stores the new pair and retries the call once', async () => {
      const { client, store, calls, sessionChanges } = recordingClient(live.url);
      const { tokens } = await client.auth.register.mutate(signUp());

      live.clock.advanceSeconds(ACCESS_LIFETIME_SECONDS + 1);
      const user = await client.profile.get.query();
      expect(user.email).to.be.a('string');

      expect(calls).to.deep.equal(['auth.register', 'profile.get', 'auth.refresh', 'profile.get']);
      const renewed = (await store.get()) as TokenPair;
      expect(renewed.access).to.not.equal(tokens.access);
      expect(renewed.refresh).to.not.equal(tokens.refresh);
      expect(sessionChanges).to.deep.equal([tokens, renewed]);
    });

    it('ten concurrent calls with an expired token cause exactly one refresh', async () => {
      const recording = recordingClient(live.url);
      await recording.client.auth.register.mutate(signUp());

      live.clock.advanceSeconds(ACCESS_LIFETIME_SECONDS + 1);
      const users = await Promise.all(
        Array.from({ length: 10 }, () => recording.client.profile.get.query()),
      );
      expect(new Set(users.map((user) => user.id)).size).to.equal(1);
      expect(recording.count('auth.refresh')).to.equal(1);
      expect(recording.count('profile.get')).to.equal(20);
      expect(recording.sessionChanges).to.have.length(2);
    });

    it('a revoked session ends: the store is cleared and onSessionChange hears null', async () => {
      const recording = recordingClient(live.url);
      const { tokens } = await recording.client.auth.register.mutate(signUp());

      // Logged out elsewhere (the REST path, with both tokens): access and refresh are revoked.
      const logout = await live.testApp
        .http()
        .post('/api/auth/logout/')
        .set('Authorization', `Bearer ${tokens.access}`)
        .send({ refresh: tokens.refresh });
      expect(logout.status).to.equal(200);

      const ended = await failure(recording.client.profile.get.query());
      expect(ended.code).to.equal('TOKEN_INVALID');
      expect(ended.status).to.equal(401);
      expect(await recording.store.get()).to.equal(null);
      expect(recording.sessionChanges).to.deep.equal([tokens, null]);
      expect(recording.calls).to.deep.equal(['auth.register', 'profile.get', 'auth.refresh']);
    });

    it('concurrent calls on a revoked session share the failed refresh and end it once', async () => {
      const recording = recordingClient(live.url);
      const { tokens } = await recording.client.auth.register.mutate(signUp());
      await recordingClient(live.url, {
        storage: memoryTokenStore(tokens),
      }).client.auth.logout.mutate();

      const results = await Promise.allSettled(
        Array.from({ length: 5 }, () => recording.client.profile.get.query()),
      );
      expect(results.every((result) => result.status === 'rejected')).to.equal(true);
      expect(recording.count('auth.refresh')).to.equal(1);
      expect(recording.sessionChanges).to.deep.equal([tokens, null]);
    });

    it('keeps the session when the refresh cannot reach the server', async () => {
      let offline = false;
      const recording = recordingClient(live.url, {
        fetch: (input, init) =>
          offline && String(input).includes('auth.refresh')
            ? Promise.reject(new TypeError('fetch failed'))
            : fetch(input, init),
      });
      const { tokens } = await recording.client.auth.register.mutate(signUp());

      live.clock.advanceSeconds(ACCESS_LIFETIME_SECONDS + 1);
      offline = true;
      const unreachable = await failure(recording.client.profile.get.query());
      expect(unreachable.code).to.equal('NETWORK_ERROR');
      expect(unreachable.status).to.equal(0);
      expect(await recording.store.get()).to.deep.equal(tokens);
      expect(recording.sessionChanges).to.deep.equal([tokens]);

      offline = false;
      expect((await recording.client.profile.get.query()).email).to.be.a('string');
    });

    it('never refreshes for login, register or refresh themselves', async () => {
      const input = signUp();
      const recording = recordingClient(live.url);
      const { tokens } = await recording.client.auth.register.mutate(input);
      live.clock.advanceSeconds(ACCESS_LIFETIME_SECONDS + 1);

      const wrongPassword = await failure(
        recording.client.auth.login.mutate({ email: input.email, password: 'not-the-password' }),
      );
      expect(wrongPassword.code).to.equal('AUTHENTICATION_FAILED');
      const badRefresh = await failure(
        recording.client.auth.refresh.mutate({ refresh: tokens.access }),
      );
      expect(badRefresh.code).to.equal('TOKEN_INVALID');
      expect(recording.calls).to.deep.equal(['auth.register', 'auth.login', 'auth.refresh']);
    });
  });

  describe('errors', () => {
    it('arrive as AuthClientError with the server code, status and field errors', async () => {
      const { client } = recordingClient(live.url);
      const input = signUp();
      await client.auth.register.mutate(input);

      const taken = await failure(recordingClient(live.url).client.auth.register.mutate(input));
      expect(taken).to.be.instanceOf(TRPCClientError);
      expect(isAuthClientError(taken)).to.equal(true);
      expect(taken.name).to.equal('AuthClientError');
      expect(taken.code).to.equal('VALIDATION_ERROR');
      expect(taken.status).to.equal(400);
      expect(taken.errors.email?.length).to.be.greaterThan(0);
      expect(taken.retryAfter).to.equal(null);

      const mismatch = await failure(
        recordingClient(live.url).client.auth.register.mutate({
          ...signUp(),
          password_confirm: 'Something-Else-Entirely-1',
        }),
      );
      expect(mismatch.errors.password_confirm).to.deep.equal(['Passwords do not match.']);

      const anonymous = await failure(recordingClient(live.url).client.profile.get.query());
      expect([anonymous.code, anonymous.status]).to.deep.equal(['NOT_AUTHENTICATED', 401]);
    });

    it('types the code as a union a switch can exhaust', async () => {
      const error = await failure(
        recordingClient(live.url).client.auth.login.mutate({
          email: uniqueEmail('nobody'),
          password: STRONG_PASSWORD,
        }),
      );
      const code: AuthErrorCode = error.code;
      // @ts-expect-error -- not a code the server has
      expect(code === 'WRONG_PASSWORD').to.equal(false);
      const advice = (value: AuthErrorCode): string => {
        switch (value) {
          case 'AUTHENTICATION_FAILED':
            return 'check your email and password';
          case 'RATE_LIMITED':
            return 'try again later';
          default:
            return 'something went wrong';
        }
      };
      expect(advice(code)).to.equal('check your email and password');
    });

    it('a server that cannot be reached is NETWORK_ERROR', async () => {
      const url = live.url;
      await live.close();
      const error = await failure(
        recordingClient(url).client.auth.login.mutate({
          email: uniqueEmail(),
          password: STRONG_PASSWORD,
        }),
      );
      expect([error.code, error.status]).to.deep.equal(['NETWORK_ERROR', 0]);
      live = await startLiveServer();
    });
  });

  describe('token stores', () => {
    function fakeStorage(): StorageLike & { data: Map<string, string> } {
      const data = new Map<string, string>();
      return {
        data,
        getItem: (key) => data.get(key) ?? null,
        setItem: (key, value) => void data.set(key, value),
        removeItem: (key) => void data.delete(key),
      };
    }

    it('the localStorage adapter keeps the session across clients (a reload)', async () => {
      const storage = fakeStorage();
      const first = recordingClient(live.url, {
        storage: localStorageTokenStore('app.tokens', storage),
      });
      const { tokens } = await first.client.auth.register.mutate(signUp());
      expect(JSON.parse(storage.data.get('app.tokens')!)).to.deep.equal(tokens);

      const afterReload = recordingClient(live.url, {
        storage: localStorageTokenStore('app.tokens', storage),
      });
      expect((await afterReload.client.profile.get.query()).email).to.be.a('string');
      await afterReload.client.auth.logout.mutate();
      expect(storage.data.has('app.tokens')).to.equal(false);
    });

    it('the localStorage adapter ignores a malformed entry and works without storage', async () => {
      const storage = fakeStorage();
      storage.setItem('k', '{not json');
      expect(await localStorageTokenStore('k', storage).get()).to.equal(null);
      storage.setItem('k', JSON.stringify({ access: 1 }));
      expect(await localStorageTokenStore('k', storage).get()).to.equal(null);
      // No `localStorage` in Node: an empty store, not a crash (server-side rendering).
      const absent = localStorageTokenStore();
      await absent.set({ access: 'a', refresh: 'r' });
      expect(await absent.get()).to.equal(null);
    });

    it('an async custom store works the same', async () => {
      let saved: TokenPair | null = null;
      const tick = () => new Promise((resolve) => setTimeout(resolve, 1));
      const recording = recordingClient(live.url, {
        storage: {
          get: async () => (await tick(), saved),
          set: async (tokens) => {
            await tick();
            saved = tokens;
          },
          clear: async () => {
            await tick();
            saved = null;
          },
        },
      });
      await recording.client.auth.register.mutate(signUp());
      live.clock.advanceSeconds(ACCESS_LIFETIME_SECONDS + 1);
      await Promise.all(Array.from({ length: 5 }, () => recording.client.profile.get.query()));
      expect(recording.count('auth.refresh')).to.equal(1);
      await recording.client.auth.logout.mutate();
      expect(saved).to.equal(null);
    });
  });
});
