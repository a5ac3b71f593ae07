/**
 * The mailer speaks in domain verbs; transports (console, SMTP, SendGrid) sit behind it.
 * `transaction` lets a durable implementation enqueue the message in the same database
 * transaction as the change that causes it.
 */
export interface WelcomeEmail {
  to: string;
  fullName: string;
  verifyUrl: string | null;
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

export interface SendOptions {
  transaction?: unknown;
}

export interface Mailer {
  sendWelcome(message: WelcomeEmail, options?: SendOptions): Promise<void>;
  sendPasswordReset(message: PasswordResetEmail, options?: SendOptions): Promise<void>;
  sendPasswordChanged(message: PasswordChangedEmail, options?: SendOptions): Promise<void>;
}
