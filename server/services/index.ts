/**
 * The services of one app, built from its infrastructure. Each service names in its own
 * constructor's type what it uses of that infrastructure; the key, the class and the file have
 * one name (`services.accounts` is AccountService in account-service.ts).
 */
import type { BreachedPasswords } from '../lib/breached-passwords.js';
import type { KeyValueStore } from '../lib/cache.js';
import type { Clock } from '../lib/clock.js';
import type { JwtCodec } from '../lib/jwt.js';
import type { KeyRing } from '../lib/signing-keys/key-ring.js';
import type { Logger } from '../lib/logger.js';
import type { Mailer } from '../lib/mailer/types.js';
import type { PasswordHasher } from '../lib/password-hasher.js';
import type { RateLimits } from '../lib/rate-limit/types.js';
import type { Telemetry } from '../lib/telemetry.js';
import type { Repositories } from '../repositories/index.js';
import { AccountLifecycleService } from './account-lifecycle-service.js';
import { AccountService } from './account-service.js';
import { AccountSessionService } from './account-session-service.js';
import { ActivityService } from './activity-service.js';
import { AdminService } from './admin-service.js';
import { AuthService } from './auth-service.js';
import { EmailVerificationService } from './email-verification-service.js';
import { LoginSession } from './login-session.js';
import { MfaLoginService } from './mfa-login-service.js';
import { MfaService } from './mfa-service.js';
import { PasswordChecks } from './password-checks.js';
import { PasswordResetService } from './password-reset-service.js';
import { ProfileService } from './profile-service.js';
import { ResetTokens } from './reset-tokens.js';
import { SessionService } from './session-service.js';
import { SigningKeyService } from './signing-key-service.js';
import { StaffActionService } from './staff-action-service.js';

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
  /** APP_NAME: the issuer authenticator apps show beside a TOTP code. */
  appName: string;
  /** JWT_ALGORITHM and JWT_PRIVATE_KEY (see signing-key-service.ts). */
  jwtAlgorithm: 'HS256' | 'EdDSA' | 'ES256' | 'RS256';
  jwtPrivateKeyPem: string | null;
}

/** Everything services may be built from; each takes its own part of it. */
export interface ServiceDependencies {
  repositories: Repositories;
  cache: KeyValueStore;
  clock: Clock;
  hasher: PasswordHasher;
  jwt: JwtCodec;
  /** The signing and verifying keys in memory; filled by SigningKeyService. */
  keyRing: KeyRing;
  mailer: Mailer;
  logger: Logger;
  rateLimits: RateLimits;
  /** The breached-password check (off unless PASSWORD_BREACH_CHECK). */
  breachedPasswords: BreachedPasswords;
  /** Where outcomes an operator watches are reported (metrics, traces); see lib/telemetry.ts. */
  telemetry: Telemetry;
  settings: ServiceSettings;
}

export function createServices(deps: ServiceDependencies) {
  const sessions = new SessionService(deps);
  const accounts = new AccountService(deps, sessions);
  const activity = new ActivityService(deps);
  const emailVerification = new EmailVerificationService(deps);
  const passwordReset = new PasswordResetService(
    deps,
    new ResetTokens(
      deps.cache,
      deps.clock,
      deps.settings.secretKey,
      deps.settings.passwordResetTimeoutSeconds,
    ),
    accounts,
  );
  const passwordChecks = new PasswordChecks(deps.hasher, deps.rateLimits);
  const loginSession = new LoginSession(deps, sessions);
  const mfa = new MfaService(deps, passwordChecks);
  const mfaLogin = new MfaLoginService(deps, mfa, loginSession);
  return {
    sessions,
    accounts,
    auth: new AuthService(
      deps,
      sessions,
      emailVerification,
      passwordChecks,
      accounts,
      loginSession,
      mfa,
      mfaLogin,
    ),
    mfa,
    mfaLogin,
    accountLifecycle: new AccountLifecycleService(deps, sessions, passwordChecks, mfa),
    passwordReset,
    emailVerification,
    profile: new ProfileService(deps),
    accountSessions: new AccountSessionService(deps, sessions),
    activity,
    admin: new AdminService(deps, sessions, activity, accounts),
    staffActions: new StaffActionService(deps, sessions, passwordReset, emailVerification),
    signingKeys: new SigningKeyService(
      { ...deps, ring: deps.keyRing },
      {
        secretKey: deps.settings.secretKey,
        algorithm: deps.settings.jwtAlgorithm,
        privateKeyPem: deps.settings.jwtPrivateKeyPem,
        maxTokenSeconds: Math.max(
          deps.settings.accessTokenLifetimeSeconds,
          deps.settings.refreshTokenLifetimeSeconds,
        ),
      },
    ),
    /** The shared request counters the procedure layers consult (trpc/rate-limit.ts). */
    rateLimits: deps.rateLimits,
    /** The procedure layers open a span per call with it (trpc/init.ts). */
    telemetry: deps.telemetry,
  };
}

export type Services = ReturnType<typeof createServices>;
