/**
 * The second step of a login with TOTP on. The right password earns an `mfa_token` instead of
 * tokens; `login/mfa/` with that token and a TOTP or recovery code starts the session.
 *
 * - The token is 256 random bits, kept in the shared store only as its SHA-256, with the
 *   account it was issued for: it names the account, the request does not.
 * - It lives 5 minutes by the injected clock (the store's TTL only clears it away), is single
 *   use (taken with one atomic read-and-delete, so of two right codes racing one wins), and
 *   dies after 5 codes: each attempt is counted before its code is checked, so codes sent in
 *   parallel or in one batch get no more checks than sequential ones.
 * - It is no JWT: presented as a Bearer or refresh token anywhere it is simply invalid.
 * - Each code is also a check under the account's failed-login lock (MfaService.verify), and a
 *   right password no longer clears that lock for such an account (AuthService.login), so
 *   fetching a new token does not buy new guesses.
 * - It is bound to the password it was earned with: a password change or reset meanwhile, or a
 *   deactivation, makes it worthless.
 */
import { AppError, fieldError } from '../errors.js';
import { randomToken, sha256Hex } from '../lib/tokens.js';
import type { UserRecord } from '../repositories/index.js';
import type { AuthResult } from '../schemas/auth.js';
import type { MfaChallenge, MfaLoginInput } from '../schemas/mfa.js';
import type { ServiceDependencies } from './index.js';
import type { LoginSession } from './login-session.js';
import type { MfaService } from './mfa-service.js';
import type { Origin } from './types.js';

export type MfaLoginServiceDependencies = Pick<
  ServiceDependencies,
  'cache' | 'clock' | 'mailer'
> & {
  repositories: Pick<ServiceDependencies['repositories'], 'users' | 'activity'>;
};

const LIFETIME_SECONDS = 5 * 60;
const MAX_CODES = 5;
const TOKEN_UNUSABLE = 'This sign-in has expired or was already used; log in again.';

interface StoredChallenge {
  userId: string;
  /** A digest of the password hash it was earned with. */
  password: string;
  expiresAt: number;
}

const challengeKey = (digest: string) => `mfa-challenge:${digest}`;
const attemptsKey = (digest: string) => `mfa-challenge-attempts:${digest}`;

export class MfaLoginService {
  constructor(
    private readonly deps: MfaLoginServiceDependencies,
    private readonly mfa: MfaService,
    private readonly loginSession: LoginSession,
  ) {}

  async challenge(user: UserRecord): Promise<MfaChallenge> {
    const token = randomToken();
    const stored: StoredChallenge = {
      userId: user.id,
      password: sha256Hex(user.passwordHash),
      expiresAt: this.deps.clock.now().getTime() + LIFETIME_SECONDS * 1000,
    };
    await this.deps.cache.set(
      challengeKey(sha256Hex(token)),
      JSON.stringify(stored),
      LIFETIME_SECONDS,
    );
    return { mfa_required: true, mfa_token: token };
  }

  async complete(input: MfaLoginInput, origin: Origin): Promise<AuthResult> {
    const { cache, clock, repositories } = this.deps;
    const digest = sha256Hex(input.mfa_token);
    const user = await this.challengedUser(digest);
    // Counted before the code is checked: the sixth attempt is refused however they arrive.
    const attempt = await cache.increment(attemptsKey(digest), LIFETIME_SECONDS);
    if (attempt > MAX_CODES) throw fieldError('mfa_token', TOKEN_UNUSABLE);

    const factor = await this.mfa.verify(user, input.code);
    if (!factor) {
      const now = clock.now();
      if (attempt >= MAX_CODES) await cache.delete(challengeKey(digest));
      await repositories.activity.record({
        userId: user.id,
        action: 'mfa_failed',
        ...origin,
        at: now,
        metadata: { attempt },
      });
      throw new AppError('AUTHENTICATION_FAILED', { detail: 'The code is not valid.' });
    }
    if ((await cache.getAndDelete(challengeKey(digest))) === null)
      throw fieldError('mfa_token', TOKEN_UNUSABLE);

    return this.loginSession.start(user, origin, {
      metadata: { second_factor: factor },
      within:
        factor === 'recovery_code'
          ? async (transaction, at) => {
              await repositories.activity.record(
                { userId: user.id, action: 'recovery_code_used', ...origin, at },
                transaction,
              );
              await this.deps.mailer.sendSecurityNotice(
                { to: user.email, kind: 'recovery_code_used', at },
                { transaction },
              );
            }
          : undefined,
    });
  }

  /** The account a live challenge was issued for; a 400 on `mfa_token` for anything else. */
  private async challengedUser(digest: string): Promise<UserRecord> {
    const { cache, clock, repositories } = this.deps;
    const raw = await cache.get(challengeKey(digest));
    const stored = raw ? (JSON.parse(raw) as StoredChallenge) : null;
    if (!stored || stored.expiresAt <= clock.now().getTime())
      throw fieldError('mfa_token', TOKEN_UNUSABLE);
    const user = await repositories.users.findById(stored.userId);
    if (!user?.isActive || sha256Hex(user.passwordHash) !== stored.password) {
      await cache.delete(challengeKey(digest));
      throw fieldError('mfa_token', TOKEN_UNUSABLE);
    }
    return user;
  }
}
