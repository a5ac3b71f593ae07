import { z } from './messages.js';
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

export const tokenPair = z
  .object({ access: z.string(), refresh: z.string() })
  .meta({ id: 'TokenPair' });

export const registerInput = z
  .object({
    email: emailField,
    full_name: fullNameField,
    password: passwordField,
    password_confirm: passwordField,
  })
  .superRefine(mustMatch('password', 'password_confirm'));

export const loginInput = z.object({
  // Not validated as an address: a malformed email is simply an unknown account (same 401).
  email: z
    .string()
    .trim()
    .min(1)
    .max(254)
    .transform((email) => email.toLowerCase()),
  password: passwordField,
});

export const authResult = z.object({ message: z.string(), user: userOutput, tokens: tokenPair });

export const logoutInput = z.object({ refresh: tokenField.optional() }).optional().default({});

export const refreshInput = z.object({ refresh: tokenField });

export const forgotPasswordInput = z.object({ email: emailField });

export const resetPasswordInput = z
  .object({ token: tokenField, password: passwordField, password_confirm: passwordField })
  .superRefine(mustMatch('password', 'password_confirm'));

export const changePasswordInput = z
  .object({
    current_password: passwordField,
    new_password: passwordField,
    new_password_confirm: passwordField,
  })
  .superRefine(mustMatch('new_password', 'new_password_confirm'));

export const changePasswordResult = z.object({ message: z.string(), tokens: tokenPair });

export type RegisterInput = z.infer<typeof registerInput>;
export type LoginInput = z.infer<typeof loginInput>;
export type ResetPasswordInput = z.infer<typeof resetPasswordInput>;
export type ChangePasswordInput = z.infer<typeof changePasswordInput>;
export type TokenPair = z.infer<typeof tokenPair>;
export type AuthResult = z.infer<typeof authResult>;
