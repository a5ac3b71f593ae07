/**
 * Forgotten passwords. The token (reset-tokens.ts) is mailed once and dies when it is used, when
 * a newer one is asked for, when its lifetime ends, or when the password is set in any way.
 * Unknown emails get the same answer after the same round trips.
 */
import { fieldError } from '../errors.js';
import { DurationMatcher } from '../lib/duration-matcher.js';
import type { DbTransaction, UserRecord } from '../repositories/index.js';
import type { ResetPasswordInput } from '../schemas/auth.js';
import type { Origin } from './types.js';
import type { ServiceDependencies } from './index.js';
import { refuseUnacceptablePassword } from './breach-check.js';
import { PasswordReplacedError, type AccountService } from './account-service.js';
import type { ResetTokens } from './reset-tokens.js';

const RESET_REQUESTED =
  'If an account exists for this email, a password reset link has been sent to it.';
const TOKEN_UNUSABLE = 'Invalid or expired token.';

export type PasswordResetServiceDependencies = Pick<
  ServiceDependencies,
  'clock' | 'hasher' | 'mailer' | 'logger' | 'breachedPasswords'
> & {
  repositories: Pick<ServiceDependencies['repositories'], 'users' | 'activity' | 'transaction'>;
  settings: Pick<
    ServiceDependencies['settings'],
    'frontendUrl' | 'passwordMinLength' | 'passwordResetTimeoutSeconds'
  >;
};

export class PasswordResetService {
  /** Unknown emails are answered no faster than known ones (the latter commit a write). */
  private readonly requestDurations = new DurationMatcher();

  constructor(
    private readonly deps: PasswordResetServiceDependencies,
    private readonly tokens: ResetTokens,
    private readonly accounts: AccountService,
  ) {}

  async requestReset(email: string, origin: Origin) {
    const { repositories, clock } = this.deps;
    const startedAt = this.requestDurations.start();
    const user = await repositories.users.findByEmail(email);
    if (!user?.isActive) {
      // The same store round trips as a real request (and the same failure when the store is
      // down), then as long a wait as a real request takes, so nothing reveals the account.
      await this.tokens.imitateIssue(email);
      await this.requestDurations.waitFrom(startedAt);
      return { message: RESET_REQUESTED };
    }

    await this.sendLink(user, (transaction) =>
      repositories.activity.record(
        { userId: user.id, action: 'password_reset_request', ...origin, at: clock.now() },
        transaction,
      ),
    );
    this.requestDurations.record(startedAt);
    return { message: RESET_REQUESTED };
  }

  /**
   * Mails a fresh link to an active account, replacing any earlier one; `record` writes the
   * activity entry in the transaction that enqueues the email (staff send links this way too).
   */
  async sendLink(
    user: UserRecord,
    record: (transaction: DbTransaction) => Promise<void>,
  ): Promise<void> {
    const { repositories, settings } = this.deps;
    const token = await this.tokens.issue(user);
    await repositories.transaction(async (transaction) => {
      await record(transaction);
      await this.deps.mailer.sendPasswordReset(
        {
          to: user.email,
          resetUrl: `${settings.frontendUrl}/reset-password?token=${encodeURIComponent(token)}`,
          expiresInMinutes: Math.round(settings.passwordResetTimeoutSeconds / 60),
        },
        { transaction },
      );
    });
  }

  async resetPassword(input: ResetPasswordInput, origin: Origin) {
    const { repositories, hasher } = this.deps;

    // Looked at first without using it up: a reset that fails the policy keeps its token.
    const entry = await this.tokens.peek(input.token);
    const user = entry ? await repositories.users.findById(entry.userId) : null;
    if (!entry || !user?.isActive || !this.tokens.isFor(entry, user))
      throw fieldError('token', TOKEN_UNUSABLE);
    await refuseUnacceptablePassword(this.deps, input.password, user, 'password');

    const passwordHash = await hasher.hash(input.password);
    const taken = await this.tokens.take(input.token);
    if (!taken || !this.tokens.isFor(taken, user)) throw fieldError('token', TOKEN_UNUSABLE);
    try {
      await this.accounts.setPassword(user, passwordHash, {
        action: 'password_reset',
        origin,
        replacing: user.passwordHash,
      });
    } catch (error) {
      // Set meanwhile by someone else: this token died with the password it was issued for.
      if (error instanceof PasswordReplacedError) throw fieldError('token', TOKEN_UNUSABLE);
      // Nothing changed: give the token back so the link in the user's mailbox still works.
      await this.tokens
        .restore(input.token, taken)
        .catch((restoreError: Error) =>
          this.deps.logger.warn(
            { err: restoreError.message },
            'could not give a reset token back after a failed reset; the link is spent',
          ),
        );
      throw error;
    }
    return { message: 'Password has been reset successfully.' };
  }
}
