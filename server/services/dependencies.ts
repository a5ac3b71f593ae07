import type { KeyValueStore } from '../lib/cache.js';
import type { Clock } from '../lib/clock.js';
import type { JwtCodec } from '../lib/jwt.js';
import type { Logger } from '../lib/logger.js';
import type { Mailer } from '../lib/mailer/types.js';
import type { PasswordHasher } from '../lib/password-hasher.js';
import type { RateLimits } from '../lib/rate-limit/types.js';
import type { Repositories } from '../repositories/index.js';

/** The settings services read; a slice of Config so services stay independent of the environment. */
export interface ServiceSettings {
  secretKey: string;
  accessTokenLifetimeSeconds: number;
  refreshTokenLifetimeSeconds: number;
  refreshReuseGraceSeconds: number;
  /** SESSION_MAX_AGE_DAYS, in seconds: a session ends this long after its login. */
  sessionMaxAgeSeconds: number;
  /** SESSION_IDLE_DAYS, in seconds: a session ends this long after its last refresh. */
  sessionIdleSeconds: number;
  passwordMinLength: number;
  passwordResetTimeoutSeconds: number;
  frontendUrl: string;
  emailVerificationTimeoutSeconds: number;
  /** REQUIRE_EMAIL_VERIFICATION: an unverified account cannot log in. */
  requireEmailVerification: boolean;
  verificationResendLimit: number;
  verificationResendWindowSeconds: number;
}

export interface ServiceDependencies {
  repositories: Repositories;
  cache: KeyValueStore;
  clock: Clock;
  hasher: PasswordHasher;
  jwt: JwtCodec;
  mailer: Mailer;
  logger: Logger;
  rateLimits: RateLimits;
  settings: ServiceSettings;
}
