/** Password policy, reset links, and the scrypt work the service admits at once. */
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { booleanFromEnv, integer, url } from './parsers.js';

export const passwordVariables = z.object({
  PASSWORD_MIN_LENGTH: integer(8, 128).default(8),
  PASSWORD_RESET_TIMEOUT: integer(60, 7 * 24 * 3600).default(3600),
  SCRYPT_LOG_N: integer(10, 22).default(16),
  SCRYPT_R: integer(1, 32).default(8),
  SCRYPT_P: integer(1, 16).default(2),
  HASH_CONCURRENCY: integer(1, 64).default(availableParallelism()),
  HASH_QUEUE_LIMIT: integer(0, 100_000).optional(),
  HASH_REFUSAL_DELAY_MS: integer(0, 5000).default(500),
  // Breached passwords (docs/accounts.md): the Have I Been Pwned range API, k-anonymity.
  PASSWORD_BREACH_CHECK: booleanFromEnv.default(false),
  HIBP_API_URL: url(/^https?:$/, 'http(s)://').default('https://api.pwnedpasswords.com'),
  PASSWORD_BREACH_FAIL_CLOSED: booleanFromEnv.default(false),
});

export function passwordSection(environment: z.output<typeof passwordVariables>) {
  return {
    passwords: {
      minLength: environment.PASSWORD_MIN_LENGTH,
      resetTimeoutSeconds: environment.PASSWORD_RESET_TIMEOUT,
      scrypt: { logN: environment.SCRYPT_LOG_N, r: environment.SCRYPT_R, p: environment.SCRYPT_P },
      hashConcurrency: environment.HASH_CONCURRENCY,
      // A queue worth a few seconds of hashing: a longer wait outlasts the request timeout, so a
      // flood is better answered 503 with Retry-After at once.
      hashQueueLimit: environment.HASH_QUEUE_LIMIT ?? environment.HASH_CONCURRENCY * 16,
      /** How long a login refused for a full hash queue waits before its 503. */
      hashRefusalDelayMs: environment.HASH_REFUSAL_DELAY_MS,
      breachCheck: {
        enabled: environment.PASSWORD_BREACH_CHECK,
        apiUrl: environment.HIBP_API_URL.replace(/\/+$/, ''),
        failClosed: environment.PASSWORD_BREACH_FAIL_CLOSED,
      },
    },
  };
}
