/**
 * What staff do to an account besides changing its fields: end one of its sessions or all of
 * them, mail it a password-reset link or a new verification link. Each is written to the
 * account's log and the staff member's own (staff-activity.ts), in the transaction of the
 * change. Ended sessions are marked in the shared cache, so their access tokens are refused on
 * their very next request.
 */
import { AppError } from '../errors.js';
import type { UserRecord } from '../repositories/index.js';
import type { LogoutAllResult } from '../schemas/sessions.js';
import type { Origin, StaffMember } from './types.js';
import { isUuid } from '../lib/ids.js';
import type { ServiceDependencies } from './index.js';
import type { EmailVerificationService } from './email-verification-service.js';
import type { PasswordResetService } from './password-reset-service.js';
import type { SessionService } from './session-service.js';
import { assertMayActOn, recordStaffAction } from './staff-activity.js';

const refused = (detail: string) =>
  new AppError('VALIDATION_ERROR', { detail, fieldErrors: { non_field_errors: [detail] } });

export type StaffActionServiceDependencies = Pick<ServiceDependencies, 'clock'> & {
  repositories: Pick<ServiceDependencies['repositories'], 'users' | 'activity'>;
};

export class StaffActionService {
  constructor(
    private readonly deps: StaffActionServiceDependencies,
    private readonly sessions: SessionService,
    private readonly passwordResets: PasswordResetService,
    private readonly verifications: EmailVerificationService,
  ) {}

  /** An unknown session, another user's, and one already ended all answer 404 alike. */
  async endSession(staff: StaffMember, userId: string, sessionId: string, origin: Origin) {
    const target = await this.requireTarget(staff, userId);
    if (!isUuid(sessionId)) throw new AppError('NOT_FOUND');
    const id = sessionId.toLowerCase();
    await this.sessions.revoke(
      { sessionId: id, userId: target.id },
      'session_revoked',
      async (transaction, revoked) => {
        if (!revoked.length) throw new AppError('NOT_FOUND');
        await recordStaffAction(
          this.deps.repositories,
          this.action(staff, origin, target, 'session_revoked', { session_id: id }),
          transaction,
        );
      },
    );
    return { message: 'Session ended: its tokens no longer work.' };
  }

  async endAllSessions(
    staff: StaffMember,
    userId: string,
    origin: Origin,
  ): Promise<LogoutAllResult> {
    const target = await this.requireTarget(staff, userId);
    const revoked = await this.sessions.revoke(
      { userId: target.id },
      'logout_all',
      (transaction, ids) =>
        recordStaffAction(
          this.deps.repositories,
          this.action(staff, origin, target, 'logout_all', { sessions_revoked: ids.length }),
          transaction,
        ),
    );
    return {
      message: `Ended ${revoked.length} session${revoked.length === 1 ? '' : 's'}.`,
      sessions_revoked: revoked.length,
    };
  }

  async sendPasswordReset(staff: StaffMember, userId: string, origin: Origin) {
    const target = await this.requireTarget(staff, userId);
    // A deactivated account's reset link would be refused, so none is sent.
    if (!target.isActive) {
      throw refused('This account is deactivated: reactivate it before sending a reset link.');
    }
    await this.passwordResets.sendLink(target, (transaction) =>
      recordStaffAction(
        this.deps.repositories,
        this.action(staff, origin, target, 'password_reset_request'),
        transaction,
      ),
    );
    return { message: `A password-reset link has been sent to ${target.email}.` };
  }

  /** Counts toward the account's resend limit (VERIFICATION_RESEND_*), as the user's own do. */
  async resendVerification(staff: StaffMember, userId: string, origin: Origin) {
    const target = await this.requireTarget(staff, userId);
    if (!target.isActive) {
      throw refused('This account is deactivated: reactivate it before sending a link.');
    }
    if (target.isVerified) throw refused('This email address is already verified.');
    await this.verifications.sendLink(target, (transaction) =>
      recordStaffAction(
        this.deps.repositories,
        this.action(staff, origin, target, 'email_verification_sent'),
        transaction,
      ),
    );
    return { message: `A new verification link has been sent to ${target.email}.` };
  }

  private action(
    staff: StaffMember,
    origin: Origin,
    target: UserRecord,
    action: Parameters<typeof recordStaffAction>[1]['action'],
    metadata: Record<string, unknown> = {},
  ) {
    return { staff, origin, target, action, metadata, at: this.deps.clock.now() };
  }

  private async requireTarget(staff: StaffMember, userId: string): Promise<UserRecord> {
    const user = await this.deps.repositories.users.findById(userId);
    if (!user) throw new AppError('NOT_FOUND');
    assertMayActOn(staff, user);
    return user;
  }
}
