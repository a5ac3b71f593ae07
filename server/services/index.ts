import { AccountCommands } from './account-commands.js';
import { AccountSessions } from './account-sessions-service.js';
import { ActivityLogs } from './activity-service.js';
import { Administration } from './admin-service.js';
import { AccountAuthService } from './auth-service.js';
import type { Services } from './contracts.js';
import type { ServiceDependencies } from './dependencies.js';
import { EmailVerifications } from './email-verification-service.js';
import { PasswordChecks } from './password-checks.js';
import { PasswordResets } from './password-reset-service.js';
import { PasswordSetter } from './password-setter.js';
import { Profiles } from './profile-service.js';
import { ResetTokens } from './reset-tokens.js';
import { SessionManager } from './session-service.js';
import { StaffActions } from './staff-actions-service.js';

export type * from './contracts.js';
export type { ServiceDependencies, ServiceSettings } from './dependencies.js';

export function createServices(deps: ServiceDependencies): Services {
  const sessions = new SessionManager(deps);
  const activity = new ActivityLogs(deps);
  const emailVerification = new EmailVerifications(deps);
  const passwordChecks = new PasswordChecks(deps.hasher, deps.rateLimits);
  const passwords = new PasswordSetter(deps, sessions);
  const resetTokens = new ResetTokens(
    deps.cache,
    deps.clock,
    deps.settings.secretKey,
    deps.settings.passwordResetTimeoutSeconds,
  );
  const passwordReset = new PasswordResets(deps, resetTokens, passwords);
  return {
    sessions,
    auth: new AccountAuthService(deps, sessions, emailVerification, passwordChecks, passwords),
    passwordReset,
    emailVerification,
    profile: new Profiles(deps),
    accountSessions: new AccountSessions(deps, sessions),
    activity,
    admin: new Administration(deps, sessions, activity),
    staffActions: new StaffActions(deps, sessions, passwordReset, emailVerification),
    accountCommands: new AccountCommands(deps, sessions, passwords),
    rateLimits: deps.rateLimits,
  };
}
