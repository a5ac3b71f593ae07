import { z } from './messages.js';
import { EXAMPLE, withExamples } from './examples.js';
import { passwordField, tokenField } from './common.js';
import { authResult } from './auth.js';

/** Six digits, as every authenticator app shows them. */
export const TOTP_CODE_PATTERN = /^\d{6}$/;
/** Ten characters in two groups of five, the dash optional (services/totp.ts makes them). */
export const RECOVERY_CODE_PATTERN = /^[a-z0-9]{5}-?[a-z0-9]{5}$/;

const totpCode = z
  .string()
  .trim()
  .regex(TOTP_CODE_PATTERN, { error: 'Enter the 6-digit code from your authenticator app.' })
  .meta({ description: 'The 6-digit code the authenticator app shows now.' });

/** A TOTP code or a recovery code: spaces and letter case are forgiven, not length or content. */
export const secondFactorCode = z
  .string()
  .max(64)
  .transform((code) => code.replace(/\s+/g, '').toLowerCase())
  .refine((code) => TOTP_CODE_PATTERN.test(code) || RECOVERY_CODE_PATTERN.test(code), {
    error: 'Enter the 6-digit code from your authenticator app or one of your recovery codes.',
  })
  .meta({ description: 'A 6-digit TOTP code, or one of the recovery codes (xxxxx-xxxxx).' });

const recoveryCodes = z
  .array(z.string())
  .meta({ description: 'Ten single-use codes, shown this once: store them somewhere safe.' });

export const mfaStatusOutput = z
  .object({ totp_enabled: z.boolean(), recovery_codes_remaining: z.number().int() })
  .meta({ id: 'MfaStatus' });

export const passwordConfirmationInput = withExamples(z.object({ password: passwordField }), {
  password: EXAMPLE.password,
});

export const totpSetupOutput = z.object({
  secret: z.string().meta({ description: 'The base32 secret, for typing into an app.' }),
  otpauth_url: z.string().meta({ description: 'The same secret as an otpauth:// URL (QR code).' }),
});

export const totpConfirmInput = withExamples(z.object({ code: totpCode }), { code: '492039' });

export const totpConfirmOutput = z.object({ message: z.string(), recovery_codes: recoveryCodes });

export const totpDisableInput = withExamples(
  z.object({ password: passwordField, code: secondFactorCode }),
  { password: EXAMPLE.password, code: '492039' },
);

export const recoveryCodesOutput = z.object({ recovery_codes: recoveryCodes });

export const mfaLoginInput = withExamples(
  z.object({ mfa_token: tokenField, code: secondFactorCode }),
  { mfa_token: EXAMPLE.mailedToken, code: 'k7m2p-x9q4r' },
);

/** What `login/` answers for an account with TOTP on, instead of tokens. */
export const mfaChallenge = z
  .object({
    mfa_required: z.literal(true),
    mfa_token: z
      .string()
      .meta({ description: 'For `login/mfa/`: single use, 5 minutes, at most 5 codes.' }),
  })
  .meta({ id: 'MfaChallenge' });

export const loginResult = z.union([authResult, mfaChallenge]);

export type MfaChallenge = z.infer<typeof mfaChallenge>;
export type LoginResult = z.infer<typeof loginResult>;
export type TotpDisableInput = z.infer<typeof totpDisableInput>;
export type MfaLoginInput = z.infer<typeof mfaLoginInput>;
