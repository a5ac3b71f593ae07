/**
 * Two-factor authentication (TOTP, RFC 6238) of one's own account: setup behind the password,
 * confirmation with a first code (which also hands out the recovery codes, once), disabling
 * behind the password and a code, new recovery codes behind the password.
 *
 * - The secret is stored sealed (lib/secret-box.ts), bound to its account.
 * - A code is accepted only for a step later than the last one accepted (repositories/mfa.ts),
 *   so a code seen over a shoulder cannot be replayed, not even within its 30 seconds.
 * - Every check of a password or a code counts toward the account's failed-login lock
 *   (password-checks.ts), whichever procedure asks.
 */
import { AppError, fieldError } from '../errors.js';
import { SecretBox, SecretBoxError } from '../lib/secret-box.js';
import type { DbTransaction, UserRecord } from '../repositories/index.js';
import type { TotpCredentialRecord } from '../repositories/mfa.js';
import type { ServiceDependencies } from './index.js';
import type { PasswordChecks } from './password-checks.js';
import {
  isRecoveryCode,
  newRecoveryCodes,
  newTotpSecret,
  otpauthUrl,
  recoveryCodeHash,
  totpStep,
} from './totp.js';
import type { Origin, Viewer } from './types.js';

export type MfaServiceDependencies = Pick<ServiceDependencies, 'clock' | 'mailer' | 'logger'> & {
  repositories: Pick<
    ServiceDependencies['repositories'],
    'users' | 'mfa' | 'activity' | 'transaction'
  >;
  settings: Pick<ServiceDependencies['settings'], 'secretKey' | 'appName'>;
};

/** Which second factor opened the account. */
export type SecondFactor = 'totp' | 'recovery_code';

export const CODE_INCORRECT = 'The code is not valid.';
const ALREADY_ON = 'Two-factor authentication is already on.';
const NOT_ON = 'Two-factor authentication is not on.';

const sealContext = (userId: string) => `totp:${userId}`;

export class MfaService {
  private readonly box: SecretBox;

  constructor(
    private readonly deps: MfaServiceDependencies,
    private readonly passwordChecks: PasswordChecks,
  ) {
    this.box = new SecretBox(deps.settings.secretKey, 'totp-secret');
  }

  async isEnabled(userId: string): Promise<boolean> {
    return !!(await this.deps.repositories.mfa.findTotp(userId))?.enabledAt;
  }

  async status(viewer: Viewer) {
    const { mfa } = this.deps.repositories;
    const enabled = await this.isEnabled(viewer.userId);
    return {
      totp_enabled: enabled,
      recovery_codes_remaining: enabled ? await mfa.countUnusedRecoveryCodes(viewer.userId) : 0,
    };
  }

  async setup(viewer: Viewer, password: string) {
    const user = await this.requireUser(viewer);
    await this.passwordChecks.confirm(user, password);
    const secret = newTotpSecret();
    const sealed = this.box.seal(secret, sealContext(user.id));
    // Refused when TOTP is on: a new secret must not replace a working one unasked.
    if (!(await this.deps.repositories.mfa.savePendingTotp(user.id, sealed, this.deps.clock.now())))
      throw fieldError('non_field_errors', ALREADY_ON);
    return { secret, otpauth_url: otpauthUrl(secret, user.email, this.deps.settings.appName) };
  }

  async confirm(viewer: Viewer, code: string, origin: Origin) {
    const { repositories, clock } = this.deps;
    const user = await this.requireUser(viewer);
    const credential = await repositories.mfa.findTotp(user.id);
    if (credential?.enabledAt) throw fieldError('non_field_errors', ALREADY_ON);
    if (!credential) throw fieldError('code', 'Set up two-factor authentication first.');
    const now = clock.now();
    const secret = this.secretOf(credential);
    const step = secret === null ? null : totpStep(secret, code, now);
    if (step === null) throw fieldError('code', CODE_INCORRECT);
    const codes = newRecoveryCodes();
    await repositories.transaction(async (transaction) => {
      // The conditional update decides between two confirmations racing: one enables it.
      if (
        !(await repositories.mfa.useTotpStep(
          user.id,
          step,
          { enable: now, secretSealed: credential.secretSealed },
          transaction,
        ))
      )
        throw fieldError('code', CODE_INCORRECT);
      await this.storeRecoveryCodes(user.id, codes, now, transaction);
      await repositories.activity.record(
        { userId: user.id, action: 'mfa_enabled', ...origin, at: now },
        transaction,
      );
      await this.deps.mailer.sendSecurityNotice(
        { to: user.email, kind: 'mfa_enabled', at: now },
        { transaction },
      );
    });
    return { message: 'Two-factor authentication is on.', recovery_codes: codes };
  }

  async disable(viewer: Viewer, input: { password: string; code: string }, origin: Origin) {
    const { repositories, clock } = this.deps;
    const user = await this.requireUser(viewer);
    if (!(await this.isEnabled(user.id))) throw fieldError('non_field_errors', NOT_ON);
    await this.passwordChecks.confirm(user, input.password);
    const factor = await this.verify(user, input.code);
    if (!factor) throw fieldError('code', CODE_INCORRECT);
    const now = clock.now();
    await repositories.transaction(async (transaction) => {
      await repositories.mfa.deleteTotp(user.id, transaction);
      await repositories.activity.record(
        { userId: user.id, action: 'mfa_disabled', ...origin, at: now, metadata: { factor } },
        transaction,
      );
      await this.deps.mailer.sendSecurityNotice(
        { to: user.email, kind: 'mfa_disabled', at: now },
        { transaction },
      );
    });
    return { message: 'Two-factor authentication is off.' };
  }

  async regenerateRecoveryCodes(viewer: Viewer, password: string, origin: Origin) {
    const { repositories, clock } = this.deps;
    const user = await this.requireUser(viewer);
    if (!(await this.isEnabled(user.id))) throw fieldError('non_field_errors', NOT_ON);
    await this.passwordChecks.confirm(user, password);
    const codes = newRecoveryCodes();
    const now = clock.now();
    await repositories.transaction(async (transaction) => {
      // Locked and read again: TOTP turned off meanwhile gets no orphaned codes.
      const credential = await repositories.mfa.findTotp(user.id, transaction, { lock: true });
      if (!credential?.enabledAt) throw fieldError('non_field_errors', NOT_ON);
      await this.storeRecoveryCodes(user.id, codes, now, transaction);
      await repositories.activity.record(
        { userId: user.id, action: 'recovery_codes_regenerated', ...origin, at: now },
        transaction,
      );
    });
    return { recovery_codes: codes };
  }

  /**
   * Checks and uses up a second factor of an account with TOTP on, under the failed-login lock
   * (a wrong one counts as a failed login; 429 while locked). Null when it is wrong, or when the
   * account has no TOTP on.
   */
  async verify(user: Pick<UserRecord, 'id' | 'email'>, code: string): Promise<SecondFactor | null> {
    const { repositories, clock } = this.deps;
    const credential = await repositories.mfa.findTotp(user.id);
    if (!credential?.enabledAt) return null;
    let factor: SecondFactor | null = null;
    await this.passwordChecks.claim(user.email, async () => {
      const now = clock.now();
      const secret = this.secretOf(credential);
      const step = secret === null ? null : totpStep(secret, code, now);
      if (step !== null) {
        if (await repositories.mfa.useTotpStep(user.id, step)) factor = 'totp';
      } else if (isRecoveryCode(code)) {
        const hash = recoveryCodeHash(this.deps.settings.secretKey, user.id, code);
        if (await repositories.mfa.useRecoveryCode(user.id, hash, now)) factor = 'recovery_code';
      }
      return factor ? 'right' : 'wrong';
    });
    return factor;
  }

  private async storeRecoveryCodes(
    userId: string,
    codes: string[],
    at: Date,
    transaction: DbTransaction,
  ) {
    const hashes = codes.map((code) =>
      recoveryCodeHash(this.deps.settings.secretKey, userId, code),
    );
    await this.deps.repositories.mfa.replaceRecoveryCodes(userId, hashes, at, transaction);
  }

  /**
   * The secret in clear; null when it no longer opens (SECRET_KEY changed since it was sealed):
   * then no TOTP code matches, which is a wrong code, not a 500.
   */
  private secretOf(credential: TotpCredentialRecord): string | null {
    try {
      return this.box.open(credential.secretSealed, sealContext(credential.userId));
    } catch (error) {
      if (!(error instanceof SecretBoxError)) throw error;
      this.deps.logger.error(
        { userId: credential.userId },
        'a TOTP secret does not open with the current SECRET_KEY',
      );
      return null;
    }
  }

  private async requireUser(viewer: Viewer): Promise<UserRecord> {
    const user = await this.deps.repositories.users.findById(viewer.userId);
    if (!user) throw new AppError('TOKEN_INVALID');
    return user;
  }
}
