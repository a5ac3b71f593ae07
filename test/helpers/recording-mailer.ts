import type { Mailer, PasswordChangedEmail, PasswordResetEmail, WelcomeEmail } from '../../server/lib/mailer/types.js';

export type RecordedEmail =
  | ({ kind: 'welcome' } & WelcomeEmail)
  | ({ kind: 'password_reset' } & PasswordResetEmail)
  | ({ kind: 'password_changed' } & PasswordChangedEmail);

/** Keeps every message instead of sending it, so tests can read links out of them. */
export class RecordingMailer implements Mailer {
  readonly sent: RecordedEmail[] = [];

  async sendWelcome(message: WelcomeEmail) {
    this.sent.push({ kind: 'welcome', ...message });
  }

  async sendPasswordReset(message: PasswordResetEmail) {
    this.sent.push({ kind: 'password_reset', ...message });
  }

  async sendPasswordChanged(message: PasswordChangedEmail) {
    this.sent.push({ kind: 'password_changed', ...message });
  }

  last<K extends RecordedEmail['kind']>(kind: K): Extract<RecordedEmail, { kind: K }> | undefined {
    return this.sent.filter((email) => email.kind === kind).at(-1) as Extract<RecordedEmail, { kind: K }> | undefined;
  }

  resetTokenFor(to: string): string | undefined {
    const email = this.sent.filter((sent) => sent.kind === 'password_reset' && sent.to === to).at(-1) as
      | PasswordResetEmail
      | undefined;
    return email ? new URL(email.resetUrl).searchParams.get('token') ?? undefined : undefined;
  }
}
