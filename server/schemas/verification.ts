import { z } from './messages.js';
import { tokenField } from './common.js';

/** `POST /api/auth/verify-email/`: the token from the link `${FRONTEND_URL}/verify-email?token=...`. */
export const verifyEmailInput = z.object({ token: tokenField });

/** `POST /api/auth/resend-verification/` takes no body (any fields sent are ignored). */
export const resendVerificationInput = z.object({}).optional().default({});
