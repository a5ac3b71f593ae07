/**
 * Forgotten passwords. The reset token is 256 random bits, mailed once and kept in the shared
 * store only as its SHA-256 with a TTL; it is single use (consumed atomically) and a newer
 * request replaces the older one. Unknown emails get the same answer after the same round trips.
 */
import { fieldError } from '../errors.js';
import { DurationMatcher } from '../lib/duration-matcher.js';
import { randomToken, sha256Hex } from '../lib/tokens.js';
import type { ResetPasswordInput } from '../schemas/auth.js';
import type { PasswordResetService, RequestOrigin } from './contracts.js';
import type { ServiceDependencies } from './dependencies.js';
import { passwordProblems } from './password-policy.js';
import type { SessionManager } from './session-service.js';

const RESET_REQUESTED =
  'If an account exists for this email, a password reset link has been sent to it.';
const TOKEN_UNUSABLE = 'Invalid or expired token.';

const tokenKey = (tokenHash: string) => `password-reset:token:${tokenHash}`;
const userKey = (userId: string) => `password-reset:user:${userId}`;

export class PasswordResets implements PasswordResetService {
  /** Unknown emails are answered no faster than known ones (the latter commit a write). */
  private readonly requestDurations = new DurationMatcher();

  constructor(
    private readonly deps: ServiceDependencies,
    private readonly sessions: SessionManager,
  ) {}

  async requestReset(email: string, origin: RequestOrigin) {
    const { repositories, cache, clock, settings } = this.deps;
    const ttl = settings.passwordResetTimeoutSeconds;
    const startedAt = this.requestDurations.start();
    const user = await repositories.users.findByEmail(email);
    if (!user?.isActive) {
      // The same store round trips as a real request (and the same failure when the store is
      // down), then as long a wait as a real request takes, so nothing reveals the account.
      await cache.getAndDelete(userKey('00000000-0000-0000-0000-000000000000'));
      await cache.set(tokenKey(sha256Hex(email)), '', 1);
      await this.requestDurations.waitFrom(startedAt);
      return { message: RESET_REQUESTED };
    }

    const token = randomToken(32);
    const tokenHash = sha256Hex(token);
    const previousHash = await cache.getAndDelete(userKey(user.id));
    if (previousHash) await cache.delete(tokenKey(previousHash));
    await cache.set(tokenKey(tokenHash), user.id, ttl);
    await cache.set(userKey(user.id), tokenHash, ttl);

    await repositories.transaction(async (transaction) => {
      await repositories.activity.record(
        { userId: user.id, action: 'password_reset_request', ...origin, at: clock.now() },
        transaction,
      );
      await this.deps.mailer.sendPasswordReset(
        {
          to: user.email,
          fullName: user.fullName,
          resetUrl: `${settings.frontendUrl}/reset-password?token=${encodeURIComponent(token)}`,
          expiresInMinutes: Math.round(ttl / 60),
        },
        { transaction },
      );
    });
    this.requestDurations.record(startedAt);
    return { message: RESET_REQUESTED };
  }

  async resetPassword(input: ResetPasswordInput, origin: RequestOrigin) {
    const { repositories, cache, clock, hasher, settings } = this.deps;
    const tokenHash = sha256Hex(input.token);

    // Looked at first without consuming: a reset that fails the policy keeps its token.
    const userId = await cache.get(tokenKey(tokenHash));
    const user = userId ? await repositories.users.findById(userId) : null;
    if (!user?.isActive) throw fieldError('token', TOKEN_UNUSABLE);
    const problems = passwordProblems(input.password, settings.passwordMinLength, {
      email: user.email,
      fullName: user.fullName,
    });
    if (problems.length) throw fieldError('password', ...problems);

    const passwordHash = await hasher.hash(input.password);
    // Consumed atomically: of two resets racing with one token, only one proceeds.
    if ((await cache.getAndDelete(tokenKey(tokenHash))) !== user.id)
      throw fieldError('token', TOKEN_UNUSABLE);
    await cache.delete(userKey(user.id));

    const now = clock.now();
    try {
      const revoked = await repositories.transaction(async (transaction) => {
        await repositories.users.update(user.id, { passwordHash }, transaction);
        const revoked = await repositories.sessions.revoke(
          { userId: user.id },
          'password_reset',
          now,
          transaction,
        );
        await repositories.activity.record(
          {
            userId: user.id,
            action: 'password_reset',
            ...origin,
            at: now,
            metadata: { sessions_revoked: revoked.length },
          },
          transaction,
        );
        await this.deps.mailer.sendPasswordChanged(
          { to: user.email, fullName: user.fullName, at: now, ...origin },
          { transaction },
        );
        return revoked;
      });
      await this.sessions.markRevoked(revoked);
    } catch (error) {
      // Nothing changed: give the token back so the link in the user's mailbox still works.
      const remaining = Math.max(1, settings.passwordResetTimeoutSeconds);
      await cache.set(tokenKey(tokenHash), user.id, remaining).catch(() => undefined);
      throw error;
    }
    // Whoever reset it controls the mailbox: a failed-login lock on the account ends here.
    await this.deps.rateLimits.clearLoginFailures(user.email);
    return { message: 'Password has been reset successfully.' };
  }
}
