/**
 * The TOTP and recovery-code arithmetic, with no storage: RFC 6238 as the contract fixes it
 * (SHA-1, 6 digits, 30-second steps, one step of drift either way), by the otpauth library.
 * Which steps were already used is the repository's job (repositories/mfa.ts).
 */
import { randomInt } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { hmacToken, sha256Hex } from '../lib/tokens.js';
import { RECOVERY_CODE_PATTERN, TOTP_CODE_PATTERN } from '../schemas/mfa.js';

const PERIOD_SECONDS = 30;
const DIGITS = 6;
/** One step either way: a phone clock a little off, or a code typed as it turned over. */
const DRIFT_STEPS = 1;
export const RECOVERY_CODE_COUNT = 10;
/** Without 0/1/l/o, so a code copied from paper is read back as written. */
const RECOVERY_ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';
/** Two groups of five from 32 symbols: 50 bits, out of reach of the failed-login lock's pace. */
const RECOVERY_GROUP = 5;

const totpOf = (secretBase32: string, label = '', issuer = '') =>
  new TOTP({
    issuer,
    label,
    algorithm: 'SHA1',
    digits: DIGITS,
    period: PERIOD_SECONDS,
    secret: Secret.fromBase32(secretBase32),
  });

/** A new 160-bit secret (RFC 4226's recommended size), in base32 as authenticator apps take it. */
export const newTotpSecret = (): string => new Secret({ size: 20 }).base32;

export const otpauthUrl = (secretBase32: string, account: string, issuer: string): string =>
  totpOf(secretBase32, account, issuer).toString();

/** The step of `code` if it is right at `now` within the drift, else null. */
export function totpStep(secretBase32: string, code: string, now: Date): number | null {
  if (!TOTP_CODE_PATTERN.test(code)) return null;
  const totp = totpOf(secretBase32);
  const timestamp = now.getTime();
  const delta = totp.validate({ token: code, timestamp, window: DRIFT_STEPS });
  return delta === null ? null : totp.counter({ timestamp }) + delta;
}

/** Lower case, without the dash or spaces a person may type. */
export const normalizeRecoveryCode = (code: string): string =>
  code.trim().toLowerCase().replace(/[\s-]/g, '');

export const isTotpCode = (code: string): boolean => TOTP_CODE_PATTERN.test(code);
export const isRecoveryCode = (code: string): boolean => RECOVERY_CODE_PATTERN.test(code);

export function newRecoveryCodes(): string[] {
  const group = () =>
    Array.from(
      { length: RECOVERY_GROUP },
      () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)],
    ).join('');
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => `${group()}-${group()}`);
}

/**
 * The stored form of a recovery code. Keyed (HMAC under SECRET_KEY) rather than a slow hash:
 * the codes carry 50 random bits, so a fast keyed hash already resists guessing from a copy of
 * the table, and checking one costs no scrypt at login.
 */
export const recoveryCodeHash = (secretKey: string, userId: string, code: string): string =>
  sha256Hex(hmacToken(secretKey, 'recovery-code', userId, normalizeRecoveryCode(code)));
