/**
 * The mailer speaks in domain verbs; transports (console, SMTP, SendGrid) sit behind it.
 * No message carries text a user wrote, such as their name: anyone can register with someone
 * else's address, so what a mail shows must be the service's own words (the user agent of a
 * password change is shown only as a browser and system named from a fixed list).
 * `transaction` lets a durable implementation enqueue the message in the same database
 * transaction as the change that causes it (an opaque handle: services pass along what their
 * repositories gave them, so this interface names no database library).
 */
export interface WelcomeEmail {
  to: string;
  verifyUrl: string | null;
  /** How long the verification link stays valid, for the sentence under the button. */
  verifyExpiresInHours?: number;
}

/** A fresh verification link, sent when the user asks for one again. */
export interface EmailVerificationEmail {
  to: string;
  verifyUrl: string;
  verifyExpiresInHours: number;
}

export interface PasswordResetEmail {
  to: string;
  resetUrl: string;
  expiresInMinutes: number;
}

export interface PasswordChangedEmail {
  to: string;
  at: Date;
  ip: string | null;
  userAgent: string | null;
}

export interface EmailVerifiedEmail {
  to: string;
}

export interface AccountDeactivatedEmail {
  to: string;
  at: Date;
}

/** The security events the account's owner is told of, each its own message (messages.ts). */
export type SecurityNoticeKind =
  | 'mfa_enabled'
  | 'mfa_disabled'
  | 'recovery_code_used'
  | 'email_change_requested'
  | 'email_changed'
  | 'account_deleted';

/** A notice of something done to the account, with when; what was done is the kind. */
export interface SecurityNoticeEmail {
  to: string;
  kind: SecurityNoticeKind;
  at: Date;
}

/** The link that confirms a new address, sent to that address. */
export interface EmailChangeConfirmationEmail {
  to: string;
  confirmUrl: string;
  expiresInMinutes: number;
}

export interface SendOptions {
  transaction?: unknown;
}

export interface Mailer {
  sendWelcome(message: WelcomeEmail, options?: SendOptions): Promise<void>;
  sendEmailVerification(message: EmailVerificationEmail, options?: SendOptions): Promise<void>;
  sendPasswordReset(message: PasswordResetEmail, options?: SendOptions): Promise<void>;
  sendPasswordChanged(message: PasswordChangedEmail, options?: SendOptions): Promise<void>;
  sendEmailVerified(message: EmailVerifiedEmail, options?: SendOptions): Promise<void>;
  sendAccountDeactivated(message: AccountDeactivatedEmail, options?: SendOptions): Promise<void>;
  sendSecurityNotice(message: SecurityNoticeEmail, options?: SendOptions): Promise<void>;
  sendEmailChangeConfirmation(
    message: EmailChangeConfirmationEmail,
    options?: SendOptions,
  ): Promise<void>;
}
