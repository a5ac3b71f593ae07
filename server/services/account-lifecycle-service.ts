/**
 * The account's own lifecycle: moving it to another email address, and deleting it.
 *
 * - Email change: the password confirms; a single-use link (only its SHA-256 stored, living
 *   PASSWORD_RESET_TIMEOUT) goes to the new address and a notice to the old one. Following the
 *   link changes and verifies the address, ends every session, and tells the old address
 *   again. An address taken meanwhile is refused then, by the unique index, changing nothing.
 * - Deletion: the password (and a second factor with TOTP on) confirms. In one transaction every
 *   session ends (their access tokens fail at once: SessionService marks the cache on commit),
 *   queued mail to the address is dropped, activity entries lose the IP, user agent and any
 *   email or name, and the user row goes with everything hanging from it (sessions, refresh
 *   tokens, pending tokens, TOTP, recovery codes). The entries stay, for the audit trail. The
 *   last active superuser cannot delete itself.
 */
import { AppError, fieldError } from '../errors.js';
import { randomToken, sha256Hex } from '../lib/tokens.js';
import type { DbTransaction, UserRecord } from '../repositories/index.js';
import { EmailTakenError } from '../repositories/users.js';
import type { AccountDeleteInput } from '../schemas/account.js';
import type { ServiceDependencies } from './index.js';
import type { MfaService } from './mfa-service.js';
import { CODE_INCORRECT } from './mfa-service.js';
import type { PasswordChecks } from './password-checks.js';
import type { SessionService } from './session-service.js';
import { assertMayActOn, recordStaffAction } from './staff-activity.js';
import type { Origin, StaffMember, Viewer } from './types.js';
import { toUserView } from './user-view.js';

export type AccountLifecycleServiceDependencies = Pick<
  ServiceDependencies,
  'clock' | 'mailer' | 'rateLimits' | 'logger'
> & {
  repositories: Pick<
    ServiceDependencies['repositories'],
    'users' | 'activity' | 'accountLifecycle' | 'transaction'
  >;
  settings: Pick<ServiceDependencies['settings'], 'frontendUrl' | 'passwordResetTimeoutSeconds'>;
};

const EMAIL_TAKEN = 'A user with this email already exists.';
const TOKEN_UNUSABLE = 'Invalid or expired token.';

export class AccountLifecycleService {
  constructor(
    private readonly deps: AccountLifecycleServiceDependencies,
    private readonly sessions: SessionService,
    private readonly passwordChecks: PasswordChecks,
    private readonly mfa: MfaService,
  ) {}

  async requestEmailChange(
    viewer: Viewer,
    input: { new_email: string; password: string },
    origin: Origin,
  ) {
    const { repositories, clock, settings, mailer } = this.deps;
    const user = await this.requireUser(viewer);
    await this.passwordChecks.confirm(user, input.password);
    if (input.new_email === user.email.toLowerCase())
      throw fieldError('new_email', 'This is already the address of your account.');
    if (await repositories.users.findByEmail(input.new_email))
      throw fieldError('new_email', EMAIL_TAKEN);

    const token = randomToken();
    const now = clock.now();
    const lifetime = settings.passwordResetTimeoutSeconds;
    await repositories.transaction(async (transaction) => {
      await repositories.accountLifecycle.replaceEmailChange(
        {
          tokenHash: sha256Hex(token),
          userId: user.id,
          newEmail: input.new_email,
          expiresAt: new Date(now.getTime() + lifetime * 1000),
          at: now,
        },
        transaction,
      );
      await repositories.activity.record(
        { userId: user.id, action: 'email_change_requested', ...origin, at: now },
        transaction,
      );
      const confirmUrl = `${settings.frontendUrl}/confirm-email-change?token=${encodeURIComponent(token)}`;
      await mailer.sendEmailChangeConfirmation(
        { to: input.new_email, confirmUrl, expiresInMinutes: Math.round(lifetime / 60) },
        { transaction },
      );
      await mailer.sendSecurityNotice(
        { to: user.email, kind: 'email_change_requested', at: now },
        { transaction },
      );
    });
    return { message: 'A confirmation link was sent to the new address.' };
  }

  async confirmEmailChange(token: string, origin: Origin) {
    const { repositories, clock, mailer } = this.deps;
    const now = clock.now();
    try {
      const user = await repositories.transaction(async (transaction) => {
        const claim = await repositories.accountLifecycle.consumeEmailChange(
          sha256Hex(token),
          transaction,
        );
        if (!claim || claim.expiresAt <= now) throw fieldError('token', TOKEN_UNUSABLE);
        const before = await repositories.users.findForUpdate(claim.userId, transaction);
        if (!before?.isActive) throw fieldError('token', TOKEN_UNUSABLE);
        const user = await repositories.users.setVerifiedEmail(
          before.id,
          claim.newEmail,
          transaction,
        );
        const revoked = await this.sessions.revokeWithin(
          transaction,
          { userId: before.id },
          'email_changed',
        );
        await repositories.activity.record(
          {
            userId: before.id,
            action: 'email_changed',
            ...origin,
            at: now,
            metadata: { sessions_revoked: revoked.length },
          },
          transaction,
        );
        await mailer.sendSecurityNotice(
          { to: before.email, kind: 'email_changed', at: now },
          { transaction },
        );
        return user!;
      });
      return { message: 'Your email address was changed.', user: toUserView(user) };
    } catch (error) {
      // The transaction rolled back: the token stays usable should the address free up.
      if (error instanceof EmailTakenError)
        throw fieldError('token', 'The new address was taken by another account meanwhile.');
      throw error;
    }
  }

  async deleteOwnAccount(viewer: Viewer, input: AccountDeleteInput) {
    const user = await this.requireUser(viewer);
    await this.passwordChecks.confirm(user, input.password);
    if (await this.mfa.isEnabled(user.id)) {
      if (!input.code) throw fieldError('code', 'Enter a code: two-factor authentication is on.');
      if (!(await this.mfa.verify(user, input.code))) throw fieldError('code', CODE_INCORRECT);
    }
    await this.delete(user, (transaction, at) =>
      this.recordDeletion(user, { via: 'self' }, at, transaction),
    );
    return { message: 'Your account was deleted.' };
  }

  /** The staff API's deletion: only a superuser deletes a superuser; both logs record it. */
  async deleteByStaff(staff: StaffMember, userId: string, origin: Origin) {
    const user = await this.deps.repositories.users.findById(userId);
    if (!user) throw new AppError('NOT_FOUND');
    assertMayActOn(staff, user);
    await this.delete(user, (transaction, at) =>
      recordStaffAction(
        this.deps.repositories,
        { staff, origin, target: user, action: 'account_deleted', metadata: { via: 'staff' }, at },
        transaction,
      ),
    );
    return { message: 'The account was deleted.' };
  }

  /** The CLI's `deleteuser <email>`. */
  async deleteAsOperator(email: string): Promise<void> {
    const user = await this.deps.repositories.users.findByEmail(email);
    if (!user)
      throw new AppError('NOT_FOUND', { detail: `No user with the email address ${email}.` });
    await this.delete(user, (transaction, at) =>
      this.recordDeletion(user, { via: 'cli' }, at, transaction),
    );
  }

  /** Recorded without an IP or user agent: the entry outlives the person it is about. */
  private recordDeletion(
    user: UserRecord,
    metadata: Record<string, unknown>,
    at: Date,
    transaction: DbTransaction,
  ) {
    return this.deps.repositories.activity.record(
      { userId: user.id, action: 'account_deleted', ip: null, userAgent: null, at, metadata },
      transaction,
    );
  }

  /** The deletion itself, whoever asks; `record` writes its closing activity entries. */
  private async delete(
    user: UserRecord,
    record: (transaction: DbTransaction, at: Date) => Promise<void>,
  ) {
    const { repositories, clock, mailer } = this.deps;
    const now = clock.now();
    await repositories.transaction(async (transaction) => {
      if (user.isSuperuser) {
        const superusers = await repositories.users.lockActiveSuperusers(transaction);
        if (superusers.length === 1 && superusers[0] === user.id)
          throw new AppError('PERMISSION_DENIED', {
            detail: 'This is the last active superuser account; make another superuser first.',
          });
      }
      await this.sessions.revokeWithin(transaction, { userId: user.id }, 'account_deleted');
      await repositories.accountLifecycle.dropQueuedMail(user.email, transaction);
      await repositories.accountLifecycle.eraseActivityPersonalData(user.id, transaction);
      await record(transaction, now);
      if (!(await repositories.users.remove(user.id, transaction)))
        throw new AppError('TOKEN_INVALID');
      await mailer.sendSecurityNotice(
        { to: user.email, kind: 'account_deleted', at: now },
        { transaction },
      );
    });
    await this.deps.rateLimits.clearLoginFailures(user.email).catch((error: Error) => {
      this.deps.logger.warn({ err: error.message }, 'could not lift the failed-login lock');
    });
  }

  private async requireUser(viewer: Viewer): Promise<UserRecord> {
    const user = await this.deps.repositories.users.findById(viewer.userId);
    if (!user) throw new AppError('TOKEN_INVALID');
    return user;
  }
}
