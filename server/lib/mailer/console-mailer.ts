import type { Mailer, PasswordChangedEmail, PasswordResetEmail, WelcomeEmail } from './types.js';

/** Development transport: prints each message with its links, so a developer can follow them. */
export class ConsoleMailer implements Mailer {
  constructor(
    private readonly write: (text: string) => void = (text) => process.stdout.write(text),
  ) {}

  async sendWelcome(message: WelcomeEmail) {
    this.print(message.to, 'Welcome', [
      `Hello ${message.fullName}, your account is ready.`,
      message.verifyUrl ? `Verify your email: ${message.verifyUrl}` : '',
    ]);
  }

  async sendPasswordReset(message: PasswordResetEmail) {
    this.print(message.to, 'Reset your password', [
      `Hello ${message.fullName},`,
      `Reset your password: ${message.resetUrl}`,
      `The link expires in ${message.expiresInMinutes} minutes and works once.`,
    ]);
  }

  async sendPasswordChanged(message: PasswordChangedEmail) {
    this.print(message.to, 'Your password was changed', [
      `Hello ${message.fullName}, your password was changed at ${message.at.toISOString()}`,
      `from ${message.ip ?? 'an unknown address'} (${message.userAgent ?? 'unknown client'}).`,
      'If this was not you, reset your password now and contact support.',
    ]);
  }

  private print(to: string, subject: string, lines: string[]) {
    const body = lines.filter(Boolean).join('\n');
    this.write(`\n----- email to ${to}: ${subject} -----\n${body}\n-----\n`);
  }
}
