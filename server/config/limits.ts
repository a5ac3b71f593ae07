/** Rate limits (see docs/rate-limits.md): per client IP, and per account where noted. */
import { z } from 'zod';
import { booleanFromEnv, integer } from './parsers.js';

/** A rate limit as "<requests>/<seconds>", e.g. "30/300": 30 requests per 5 minutes. */
const rateLimitRule = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, context) => {
      const match = /^\s*(\d{1,7})\s*\/\s*(\d{1,7})\s*$/.exec(value);
      const [points, durationSeconds] = match ? [Number(match[1]), Number(match[2])] : [0, 0];
      if (points < 1 || durationSeconds < 1 || durationSeconds > 7 * 24 * 3600) {
        context.addIssue({
          code: 'custom',
          message:
            'expected "<requests>/<seconds>" with both at least 1 and at most a week, e.g. "30/300"',
        });
        return z.NEVER;
      }
      return { points, durationSeconds };
    });

export const limitVariables = z.object({
  RATE_LIMIT_ENABLED: booleanFromEnv.default(true),
  RATE_LIMIT_LOGIN_IP: rateLimitRule('30/300'),
  RATE_LIMIT_REGISTER_IP: rateLimitRule('20/3600'),
  RATE_LIMIT_PASSWORD_RESET_IP: rateLimitRule('10/900'),
  RATE_LIMIT_PASSWORD_RESET_ACCOUNT: rateLimitRule('3/3600'),
  RATE_LIMIT_REFRESH_IP: rateLimitRule('150/300'),
  RATE_LIMIT_VERIFY_IP: rateLimitRule('30/300'),
  // Procedures that check a password other than login (change-password, and confirmations).
  RATE_LIMIT_PASSWORD_CHECK_IP: rateLimitRule('30/300'),
  RATE_LIMIT_PASSWORD_CHECK_ACCOUNT: rateLimitRule('10/300'),
  RATE_LIMIT_LOGIN_ACCOUNT_FAILURES: integer(1, 1000).default(10),
  RATE_LIMIT_LOGIN_ACCOUNT_WINDOW: integer(1, 7 * 24 * 3600).default(900),
  RATE_LIMIT_LOGIN_ACCOUNT_MAX_LOCK: integer(1, 30 * 24 * 3600).default(24 * 3600),
});

export function limitSection(environment: z.output<typeof limitVariables>) {
  return {
    rateLimits: {
      enabled: environment.RATE_LIMIT_ENABLED,
      limits: {
        loginIp: environment.RATE_LIMIT_LOGIN_IP,
        registerIp: environment.RATE_LIMIT_REGISTER_IP,
        passwordResetIp: environment.RATE_LIMIT_PASSWORD_RESET_IP,
        passwordResetAccount: environment.RATE_LIMIT_PASSWORD_RESET_ACCOUNT,
        refreshIp: environment.RATE_LIMIT_REFRESH_IP,
        verifyIp: environment.RATE_LIMIT_VERIFY_IP,
        passwordCheckIp: environment.RATE_LIMIT_PASSWORD_CHECK_IP,
        passwordCheckAccount: environment.RATE_LIMIT_PASSWORD_CHECK_ACCOUNT,
      },
      loginLockout: {
        failures: environment.RATE_LIMIT_LOGIN_ACCOUNT_FAILURES,
        windowSeconds: environment.RATE_LIMIT_LOGIN_ACCOUNT_WINDOW,
        maxLockSeconds: environment.RATE_LIMIT_LOGIN_ACCOUNT_MAX_LOCK,
      },
    },
  };
}
