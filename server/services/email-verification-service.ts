/**
 * Email verification. The token is 256 random bits, mailed as `${FRONTEND_URL}/verify-email?token=`
 * and stored only as its SHA-256, for EMAIL_VERIFICATION_TIMEOUT seconds (3 days by default). It
 * works once: consuming it is one DELETE ... RETURNING in the same transaction that marks the
 * account verified, records `email_verified` and enqueues the confirmation email. A user has one
 * live token; a resend replaces it, and resends are limited per account.
 */
import { AppError, fieldError } from '../errors.js';
import { randomToken, sha256Hex } from '../lib/tokens.js';
import type { DbTransaction, UserRecord } from '../repositories/index.js';
import type { Origin, Viewer } from './types.js';
import type { ServiceDependencies } from './index.js';

const TOKEN_UNUSABLE = 'Invalid or expired token.';
const ALREADY_VERIFIED = 'Your email address is already verified.';

const resendCountKey = (userId: string) => `email-verification:resend:${userId}`;
const resendWindowKey = (userId: string) => `email-verification:resend-window:${userId}`;

export interface VerificationLink {
  url: string;
  expiresInHours: number;
}

export type EmailVerificationServiceDependencies = Pick<
  ServiceDependencies,
  'cache' | 'clock' | 'mailer'
> & {
  repositories: Pick<
    ServiceDependencies['repositories'],
    'users' | 'activity' | 'emailVerificationTokens' | 'transaction'
  >;
  settings: Pick<
    ServiceDependencies['settings'],
    | 'emailVerificationTimeoutSeconds'
    | 'frontendUrl'
    | 'verificationResendLimit'
    | 'verificationResendWindowSeconds'
  >;
};

export class EmailVerificationService {
  constructor(private readonly deps: EmailVerificationServiceDependencies) {}

  /** A new link for the user's current address, replacing any earlier one, in the caller's transaction. */
  async issueLink(
    user: Pick<UserRecord, 'id' | 'email'>,
    transaction: DbTransaction,
  ): Promise<VerificationLink> {
    const { repositories, clock, settings } = this.deps;
    const token = randomToken(32);
    const now = clock.now();
    await repositories.emailVerificationTokens.replaceForUser(
      {
        tokenHash: sha256Hex(token),
        userId: user.id,
        email: user.email,
        expiresAt: new Date(now.getTime() + settings.emailVerificationTimeoutSeconds * 1000),
        at: now,
      },
      transaction,
    );
    return {
      url: `${settings.frontendUrl}/verify-email?token=${encodeURIComponent(token)}`,
      expiresInHours: Math.max(1, Math.round(settings.emailVerificationTimeoutSeconds / 3600)),
    };
  }

  async verify(token: string, origin: Origin): Promise<{ message: string }> {
    const { repositories, clock, mailer } = this.deps;
    const tokenHash = sha256Hex(token);
    const now = clock.now();
    await repositories.transaction(async (transaction) => {
      const claim = await repositories.emailVerificationTokens.consume(tokenHash, transaction);
      if (!claim || claim.expiresAt.getTime() <= now.getTime())
        throw fieldError('token', TOKEN_UNUSABLE);
      const user = await repositories.users.findById(claim.userId, transaction);
      // The link proves the address it was sent to; an address changed since proves nothing.
      if (!user?.isActive || user.email.toLowerCase() !== claim.email.toLowerCase())
        throw fieldError('token', TOKEN_UNUSABLE);
      if (user.isVerified) return;
      await repositories.users.update(user.id, { isVerified: true }, transaction);
      await repositories.activity.record(
        { userId: user.id, action: 'email_verified', ...origin, at: now },
        transaction,
      );
      await mailer.sendEmailVerified({ to: user.email }, { transaction });
    });
    return { message: 'Email verified successfully.' };
  }

  async resend(viewer: Viewer, origin: Origin): Promise<{ message: string }> {
    const { repositories, clock } = this.deps;
    const user = await repositories.users.findById(viewer.userId);
    if (!user?.isActive) throw new AppError('TOKEN_INVALID');
    await this.sendLink(user, (transaction) =>
      repositories.activity.record(
        { userId: user.id, action: 'email_verification_sent', ...origin, at: clock.now() },
        transaction,
      ),
    );
    return { message: 'Verification email sent.' };
  }

  /**
   * Mails a new link to an unverified account (counted against its resend limit); `record`
   * writes the activity entry in the transaction that enqueues the email.
   */
  async sendLink(
    user: UserRecord,
    record: (transaction: DbTransaction) => Promise<void>,
  ): Promise<void> {
    const { repositories, mailer } = this.deps;
    if (user.isVerified) {
      throw new AppError('VALIDATION_ERROR', {
        detail: ALREADY_VERIFIED,
        fieldErrors: { non_field_errors: [ALREADY_VERIFIED] },
      });
    }
    await this.countResend(user.id);
    await repositories.transaction(async (transaction) => {
      const link = await this.issueLink(user, transaction);
      await record(transaction);
      await mailer.sendEmailVerification(
        {
          to: user.email,
          verifyUrl: link.url,
          verifyExpiresInHours: link.expiresInHours,
        },
        { transaction },
      );
    });
  }

  /** VERIFICATION_RESEND_LIMIT sends per VERIFICATION_RESEND_WINDOW seconds per account. */
  private async countResend(userId: string) {
    const { cache, clock, settings } = this.deps;
    const window = settings.verificationResendWindowSeconds;
    const count = await cache.increment(resendCountKey(userId), window);
    if (count === 1) {
      await cache.set(resendWindowKey(userId), String(clock.now().getTime()), window);
      return;
    }
    if (count <= settings.verificationResendLimit) return;
    const startedAt = Number(await cache.get(resendWindowKey(userId)));
    const remaining = startedAt
      ? Math.ceil((startedAt + window * 1000 - clock.now().getTime()) / 1000)
      : window;
    throw new AppError('RATE_LIMITED', {
      detail: 'Too many verification emails requested. Try again later.',
      retryAfterSeconds: Math.min(window, Math.max(1, remaining)),
    });
  }
}
