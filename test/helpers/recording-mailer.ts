import type {
  AccountDeactivatedEmail,
  EmailChangeConfirmationEmail,
  EmailVerificationEmail,
  EmailVerifiedEmail,
  Mailer,
  PasswordChangedEmail,
  PasswordResetEmail,
  SecurityNoticeEmail,
  SecurityNoticeKind,
  WelcomeEmail,
} from '../../server/lib/mailer/types.js';

export type RecordedEmail =
  | ({ kind: 'welcome' } & WelcomeEmail)
  | ({ kind: 'email_verification' } & EmailVerificationEmail)
  | ({ kind: 'password_reset' } & PasswordResetEmail)
  | ({ kind: 'password_changed' } & PasswordChangedEmail)
  | ({ kind: 'email_verified' } & EmailVerifiedEmail)
  | ({ kind: 'account_deactivated' } & AccountDeactivatedEmail)
  | {
      [K in SecurityNoticeKind]: { kind: K } & Omit<SecurityNoticeEmail, 'kind'>;
    }[SecurityNoticeKind]
  | ({ kind: 'email_change_confirmation' } & EmailChangeConfirmationEmail);

const tokenOf = (url: string | null | undefined) =>
  url ? (new URL(url).searchParams.get('token') ?? undefined) : undefined;

/** Keeps every message instead of sending it, so tests can read links out of them. */
export class RecordingMailer implements Mailer {
  readonly sent: RecordedEmail[] = [];

  async sendWelcome(message: WelcomeEmail) {
    this.sent.push({ kind: 'welcome', ...message });
  }

  async sendEmailVerification(message: EmailVerificationEmail) {
    this.sent.push({ kind: 'email_verification', ...message });
  }

  async sendPasswordReset(message: PasswordResetEmail) {
    this.sent.push({ kind: 'password_reset', ...message });
  }

  async sendPasswordChanged(message: PasswordChangedEmail) {
    this.sent.push({ kind: 'password_changed', ...message });
  }

  async sendEmailVerified(message: EmailVerifiedEmail) {
    this.sent.push({ kind: 'email_verified', ...message });
  }

  async sendAccountDeactivated(message: AccountDeactivatedEmail) {
    this.sent.push({ kind: 'account_deactivated', ...message });
  }

  async sendSecurityNotice(message: SecurityNoticeEmail) {
    this.sent.push({ ...message });
  }

  async sendEmailChangeConfirmation(message: EmailChangeConfirmationEmail) {
    this.sent.push({ kind: 'email_change_confirmation', ...message });
  }

  /** The token of the newest email-change link sent to `to`. */
  emailChangeTokenFor(to: string): string | undefined {
    const email = this.sent
      .filter((sent) => sent.kind === 'email_change_confirmation' && sent.to === to)
      .at(-1) as EmailChangeConfirmationEmail | undefined;
    return tokenOf(email?.confirmUrl);
  }

  last<K extends RecordedEmail['kind']>(kind: K): Extract<RecordedEmail, { kind: K }> | undefined {
    return this.sent.filter((email) => email.kind === kind).at(-1) as
      Extract<RecordedEmail, { kind: K }> | undefined;
  }

  resetTokenFor(to: string): string | undefined {
    const email = this.sent
      .filter((sent) => sent.kind === 'password_reset' && sent.to === to)
      .at(-1) as PasswordResetEmail | undefined;
    return tokenOf(email?.resetUrl);
  }

  /** The token of the newest verification link sent to `to` (welcome or a resend). */
  verificationTokenFor(to: string): string | undefined {
    const email = this.sent
      .filter(
        (sent) => (sent.kind === 'welcome' || sent.kind === 'email_verification') && sent.to === to,
      )
      .at(-1) as WelcomeEmail | EmailVerificationEmail | undefined;
    return tokenOf(email?.verifyUrl);
  }
}
