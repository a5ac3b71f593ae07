import { z } from './messages.js';
import { EXAMPLE, withExamples } from './examples.js';
import { emailField, passwordField, tokenField } from './common.js';
import { secondFactorCode } from './mfa.js';
import { userOutput } from './user.js';

export const emailChangeInput = withExamples(
  z.object({
    new_email: emailField.meta({ description: 'The address to move the account to.' }),
    password: passwordField,
  }),
  { new_email: 'ada.lovelace@example.org', password: EXAMPLE.password },
);

export const emailChangeConfirmInput = withExamples(
  z.object({
    token: tokenField.meta({ description: 'The token from the link mailed to the new address.' }),
  }),
  { token: EXAMPLE.mailedToken },
);

export const emailChangeConfirmOutput = z.object({ message: z.string(), user: userOutput });

export const accountDeleteInput = withExamples(
  z.object({
    password: passwordField,
    code: secondFactorCode.optional().meta({ description: 'Required when TOTP is on.' }),
  }),
  { password: EXAMPLE.password },
);

export type AccountDeleteInput = z.infer<typeof accountDeleteInput>;
