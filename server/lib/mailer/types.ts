/**
 * The mailer speaks in domain verbs; transports (console, SMTP, SendGrid) sit behind it.
 * `transaction` lets a durable implementation enqueue the message in the same database
 * transaction as the change that causes it (an opaque handle: services pass along what their
 * repositories gave them, so this interface names no database library).
 */
export interface WelcomeEmail {
  to: string;
  fullName: string;
  verifyUrl: string | null;
  /** How long the verification link stays valid, for the sentence under the button. */
  verifyExpiresInHours?: number;
}

/** A fresh verification link, sent when the user asks for one again. */
export interface EmailVerificationEmail {
  to: string;
  fullName: string;
  verifyUrl: string;
  verifyExpiresInHours: number;
}

export interface PasswordResetEmail {
  to: string;
  fullName: string;
  resetUrl: string;
  expiresInMinutes: number;
}

export interface PasswordChangedEmail {
  to: string;
  fullName: string;
  at: Date;
  ip: string | null;
  userAgent: string | null;
}

export interface EmailVerifiedEmail {
  to: string;
  fullName: string;
}

export interface AccountDeactivatedEmail {
  to: string;
  fullName: string;
  at: Date;
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
}
