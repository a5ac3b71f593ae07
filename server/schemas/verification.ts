import { z } from './messages.js';
import { EXAMPLE, withExamples } from './examples.js';
import { tokenField } from './common.js';

/** `POST /api/auth/verify-email/`: the token from the link `${FRONTEND_URL}/verify-email?token=...`. */
export const verifyEmailInput = withExamples(z.object({ token: tokenField }), {
  token: EXAMPLE.mailedToken,
});

/** `POST /api/auth/resend-verification/` takes no body (any fields sent are ignored). */
export const resendVerificationInput = withExamples(z.object({}).optional().default({}), {});
