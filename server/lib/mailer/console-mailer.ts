import { describeDevice } from './device.js';
import type {
  AccountDeactivatedEmail,
  EmailVerificationEmail,
  EmailVerifiedEmail,
  Mailer,
  PasswordChangedEmail,
  PasswordResetEmail,
  WelcomeEmail,
} from './types.js';

/**
 * Prints each message with its links, at once and without templates or a database: for scripts
 * and throwaway runs. The service itself sends through the outbox (EMAIL_BACKEND=console prints
 * the rendered messages from there).
 */
export class ConsoleMailer implements Mailer {
  constructor(
    private readonly write: (text: string) => void = (text) => process.stdout.write(text),
  ) {}

  async sendWelcome(message: WelcomeEmail) {
    this.print(message.to, 'Welcome', [
      'Hello, your account is ready.',
      message.verifyUrl ? `Verify your email: ${message.verifyUrl}` : '',
    ]);
  }

  async sendEmailVerification(message: EmailVerificationEmail) {
    this.print(message.to, 'Confirm your email address', [
      'Hello,',
      `Verify your email: ${message.verifyUrl}`,
      `The link expires in ${message.verifyExpiresInHours} hours and works once.`,
    ]);
  }

  async sendPasswordReset(message: PasswordResetEmail) {
    this.print(message.to, 'Reset your password', [
      'Hello,',
      `Reset your password: ${message.resetUrl}`,
      `The link expires in ${message.expiresInMinutes} minutes and works once.`,
    ]);
  }

  async sendPasswordChanged(message: PasswordChangedEmail) {
    this.print(message.to, 'Your password was changed', [
      `Hello, your password was changed at ${message.at.toISOString()}`,
      `from ${message.ip ?? 'an unknown address'} (${describeDevice(message.userAgent)}).`,
      'If this was not you, reset your password now and contact support.',
    ]);
  }

  async sendEmailVerified(message: EmailVerifiedEmail) {
    this.print(message.to, 'Your email address is confirmed', [
      'Thank you: your email address is confirmed.',
    ]);
  }

  async sendAccountDeactivated(message: AccountDeactivatedEmail) {
    this.print(message.to, 'Your account was deactivated', [
      `Hello, your account was deactivated at ${message.at.toISOString()}.`,
    ]);
  }

  private print(to: string, subject: string, lines: string[]) {
    const body = lines.filter(Boolean).join('\n');
    this.write(`\n----- email to ${to}: ${subject} -----\n${body}\n-----\n`);
  }
}
