/**
 * The production Mailer: each verb writes one row to the email outbox, in the caller's
 * transaction, and returns. Nothing here talks to a provider, so a request never waits on one
 * and never fails because of one; the outbox worker delivers. Rows hold the message's data,
 * not its rendering, so a template fix applies to mail still waiting.
 */
import type { Clock } from '../lib/clock.js';
import type { EmailOutboxRepository } from '../repositories/email-outbox.js';
import type { EmailKind, EmailPayloads } from '../lib/mailer/messages.js';
import type {
  AccountDeactivatedEmail,
  EmailChangeConfirmationEmail,
  EmailVerificationEmail,
  EmailVerifiedEmail,
  Mailer,
  PasswordChangedEmail,
  PasswordResetEmail,
  SecurityNoticeEmail,
  SendOptions,
  WelcomeEmail,
} from '../lib/mailer/types.js';

export class OutboxMailer implements Mailer {
  constructor(
    private readonly outbox: Pick<EmailOutboxRepository, 'enqueue'>,
    private readonly clock: Clock,
    /** Called once a message is committed, to wake the worker instead of waiting for its poll. */
    private readonly onEnqueued?: () => void,
  ) {}

  sendWelcome(message: WelcomeEmail, options?: SendOptions) {
    return this.enqueue(
      'welcome',
      message.to,
      {
        verifyUrl: message.verifyUrl,
        verifyExpiresInHours: message.verifyExpiresInHours ?? null,
      },
      options,
    );
  }

  sendEmailVerification(message: EmailVerificationEmail, options?: SendOptions) {
    const { verifyUrl, verifyExpiresInHours } = message;
    return this.enqueue(
      'email_verification',
      message.to,
      { verifyUrl, verifyExpiresInHours },
      options,
    );
  }

  sendPasswordReset(message: PasswordResetEmail, options?: SendOptions) {
    const { resetUrl, expiresInMinutes } = message;
    return this.enqueue('password_reset', message.to, { resetUrl, expiresInMinutes }, options);
  }

  sendPasswordChanged(message: PasswordChangedEmail, options?: SendOptions) {
    const payload = {
      at: message.at.toISOString(),
      ip: message.ip,
      userAgent: message.userAgent,
    };
    return this.enqueue('password_changed', message.to, payload, options);
  }

  sendEmailVerified(message: EmailVerifiedEmail, options?: SendOptions) {
    return this.enqueue('email_verified', message.to, {}, options);
  }

  sendAccountDeactivated(message: AccountDeactivatedEmail, options?: SendOptions) {
    const payload = { at: message.at.toISOString() };
    return this.enqueue('account_deactivated', message.to, payload, options);
  }

  sendSecurityNotice(message: SecurityNoticeEmail, options?: SendOptions) {
    return this.enqueue(message.kind, message.to, { at: message.at.toISOString() }, options);
  }

  sendEmailChangeConfirmation(message: EmailChangeConfirmationEmail, options?: SendOptions) {
    const { confirmUrl, expiresInMinutes } = message;
    return this.enqueue(
      'email_change_confirmation',
      message.to,
      { confirmUrl, expiresInMinutes },
      options,
    );
  }

  private async enqueue<K extends EmailKind>(
    kind: K,
    to: string,
    payload: EmailPayloads[K],
    options: SendOptions | undefined,
  ): Promise<void> {
    await this.outbox.enqueue(
      { kind, recipient: to, payload, at: this.clock.now() },
      options?.transaction,
      this.onEnqueued,
    );
  }
}
