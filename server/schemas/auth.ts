import { z } from './messages.js';
import { EXAMPLE, withExamples } from './examples.js';
import { emailField, passwordField, tokenField } from './common.js';
import { fullNameField } from './person-name.js';
import { userOutput } from './user.js';

const mustMatch =
  <T extends Record<string, unknown>>(field: keyof T & string, confirmation: keyof T & string) =>
  (value: T, context: z.core.$RefinementCtx<T>) => {
    if (value[field] !== value[confirmation]) {
      context.addIssue({
        code: 'custom',
        path: [confirmation],
        message: 'Passwords do not match.',
      });
    }
  };

export const tokenPair = z.object({ access: z.string(), refresh: z.string() }).meta({
  id: 'TokenPair',
  examples: [{ access: EXAMPLE.accessToken, refresh: EXAMPLE.refreshToken }],
});

export const registerInput = withExamples(
  z
    .object({
      email: emailField,
      full_name: fullNameField,
      password: passwordField,
      password_confirm: passwordField,
    })
    .superRefine(mustMatch('password', 'password_confirm')),
  {
    email: EXAMPLE.email,
    full_name: 'Ada Lovelace',
    password: EXAMPLE.password,
    password_confirm: EXAMPLE.password,
  },
);

export const loginInput = withExamples(
  z.object({
    // Not validated as an address: a malformed email is simply an unknown account (same 401).
    email: z
      .string()
      .trim()
      .min(1)
      .max(254)
      .transform((email) => email.toLowerCase()),
    password: passwordField,
  }),
  { email: EXAMPLE.email, password: EXAMPLE.password },
);

export const authResult = z.object({ message: z.string(), user: userOutput, tokens: tokenPair });

export const logoutInput = withExamples(
  z.object({ refresh: tokenField.optional() }).optional().default({}),
  { refresh: EXAMPLE.refreshToken },
);

export const refreshInput = withExamples(z.object({ refresh: tokenField }), {
  refresh: EXAMPLE.refreshToken,
});

export const forgotPasswordInput = withExamples(z.object({ email: emailField }), {
  email: EXAMPLE.email,
});

export const resetPasswordInput = withExamples(
  z
    .object({ token: tokenField, password: passwordField, password_confirm: passwordField })
    .superRefine(mustMatch('password', 'password_confirm')),
  {
    token: EXAMPLE.mailedToken,
    password: EXAMPLE.newPassword,
    password_confirm: EXAMPLE.newPassword,
  },
);

export const changePasswordInput = withExamples(
  z
    .object({
      current_password: passwordField,
      new_password: passwordField,
      new_password_confirm: passwordField,
    })
    .superRefine(mustMatch('new_password', 'new_password_confirm')),
  {
    current_password: EXAMPLE.password,
    new_password: EXAMPLE.newPassword,
    new_password_confirm: EXAMPLE.newPassword,
  },
);

export const changePasswordResult = z.object({ message: z.string(), tokens: tokenPair });

export type RegisterInput = z.infer<typeof registerInput>;
export type LoginInput = z.infer<typeof loginInput>;
export type ResetPasswordInput = z.infer<typeof resetPasswordInput>;
export type ChangePasswordInput = z.infer<typeof changePasswordInput>;
export type TokenPair = z.infer<typeof tokenPair>;
export type AuthResult = z.infer<typeof authResult>;
