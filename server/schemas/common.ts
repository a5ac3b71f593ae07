import { z } from './messages.js';

/** Emails are trimmed and lower-cased at the edge; the column is citext besides. */
export const emailField = z
  .string()
  .trim()
  .min(1)
  .max(254)
  .pipe(z.email({ error: 'Enter a valid email address.' }))
  .transform((email) => email.toLowerCase());

/** Length and content rules are the password policy's job; here only its shape. */
export const passwordField = z.string().min(1).max(1024);

export const tokenField = z.string().trim().min(1).max(4096);

export const messageOutput = z.object({ message: z.string() });

/** Dates are `Date` over tRPC (superjson) and ISO 8601 strings over REST. */
export const timestamp = z.date().meta({ type: 'string', format: 'date-time' });
