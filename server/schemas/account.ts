import { z } from './messages.js';
import { emailField, passwordField, tokenField } from './common.js';
import { secondFactorCode } from './mfa.js';
import { userOutput } from './user.js';

export const emailChangeInput = z.object({
  new_email: emailField.meta({ description: 'The address to move the account to.' }),
  password: passwordField,
});

export const emailChangeConfirmInput = z.object({
  token: tokenField.meta({ description: 'The token from the link mailed to the new address.' }),
});

export const emailChangeConfirmOutput = z.object({ message: z.string(), user: userOutput });

export const accountDeleteInput = z.object({
  password: passwordField,
  code: secondFactorCode.optional().meta({ description: 'Required when TOTP is on.' }),
});

export type AccountDeleteInput = z.infer<typeof accountDeleteInput>;
