/**
 * Registration, login, logout and password change. Each writes its activity entry in the same
 * transaction as the change it records; a new password is set by password-setter.ts.
 */
import { AppError, fieldError } from '../errors.js';
import { DurationMatcher } from '../lib/duration-matcher.js';
import { EmailTakenError } from '../repositories/users.js';
import type {
  AuthResult,
  ChangePasswordInput,
  LoginInput,
  RegisterInput,
  TokenPair,
} from '../schemas/auth.js';
import type { LoginResult } from '../schemas/mfa.js';
import type { Origin, Viewer } from './types.js';
import type { ServiceDependencies } from './index.js';
import type { EmailVerificationService } from './email-verification-service.js';
import type { LoginSession } from './login-session.js';
import type { MfaLoginService } from './mfa-login-service.js';
import type { MfaService } from './mfa-service.js';
import type { PasswordChecks } from './password-checks.js';
import { refuseBreached, refuseUnacceptablePassword } from './breach-check.js';
import { passwordProblems } from './password-policy.js';
import { PasswordReplacedError, type AccountService } from './account-service.js';
import type { SessionService } from './session-service.js';
import { toUserView } from './user-view.js';

const EMAIL_TAKEN = 'A user with this email already exists.';
const CURRENT_PASSWORD_INCORRECT = 'Current password is incorrect.';

export type AuthServiceDependencies = Pick<
  ServiceDependencies,
  'clock' | 'hasher' | 'mailer' | 'breachedPasswords' | 'telemetry'
> & {
  repositories: Pick<ServiceDependencies['repositories'], 'users' | 'activity' | 'transaction'>;
  settings: Pick<ServiceDependencies['settings'], 'passwordMinLength' | 'requireEmailVerification'>;
};

export class AuthService {
  /**
   * After the password check, a failed login of an account writes its activity entry; one of an
   * unknown email waits as long as those writes take. Only that tail is matched: the check
   * itself costs the same on both paths (same queue, same hash), and a sample that included
   * time queued behind other hashes would let a flood of logins steer the unknown path's wait.
   */
  private readonly failedLoginTails = new DurationMatcher();

  constructor(
    private readonly deps: AuthServiceDependencies,
    private readonly sessions: SessionService,
    private readonly verification: EmailVerificationService,
    private readonly passwordChecks: PasswordChecks,
    private readonly accounts: AccountService,
    private readonly loginSession: LoginSession,
    private readonly mfa: MfaService,
    private readonly mfaLogin: MfaLoginService,
  ) {}

  async register(input: RegisterInput, origin: Origin): Promise<AuthResult> {
    const { repositories, hasher, clock, settings } = this.deps;
    const problems = passwordProblems(input.password, settings.passwordMinLength, {
      email: input.email,
      fullName: input.full_name,
    });
    // Checked before hashing so a taken email costs no scrypt; the unique index still decides races.
    const emailTaken = (await repositories.users.findByEmail(input.email)) !== null;
    if (problems.length || emailTaken) {
      // Every problem at once, as DRF reports them, so a form can show them all.
      const fieldErrors: Record<string, string[]> = {};
      if (emailTaken) fieldErrors.email = [EMAIL_TAKEN];
      if (problems.length) fieldErrors.password = problems;
      throw new AppError('VALIDATION_ERROR', { fieldErrors });
    }
    await refuseBreached(this.deps.breachedPasswords, input.password, 'password');

    const passwordHash = await hasher.hash(input.password);
    try {
      const { user, tokens } = await repositories.transaction(async (transaction) => {
        const user = await repositories.users.create(
          { email: input.email, fullName: input.full_name, passwordHash },
          transaction,
        );
        await repositories.activity.record(
          { userId: user.id, action: 'register', ...origin, at: clock.now() },
          transaction,
        );
        const { tokens } = await this.sessions.start(user, origin, transaction);
        const link = await this.verification.issueLink(user, transaction);
        await this.deps.mailer.sendWelcome(
          {
            to: user.email,
            verifyUrl: link.url,
            verifyExpiresInHours: link.expiresInHours,
          },
          { transaction },
        );
        return { user, tokens };
      });
      return { message: 'User registered successfully.', user: toUserView(user), tokens };
    } catch (error) {
      if (error instanceof EmailTakenError) throw fieldError('email', EMAIL_TAKEN);
      throw error;
    }
  }

  /**
   * A wrong password, an unknown email and a deactivated account get the same answer after the
   * same work (one scrypt verification), so neither the body nor the time tells them apart.
   * With TOTP on, the right password earns a challenge for `login/mfa/`, not a session.
   */
  async login(input: LoginInput, origin: Origin): Promise<LoginResult> {
    const { repositories, hasher, clock, telemetry } = this.deps;
    const {
      account: user,
      matched,
      awaitsSecondFactor,
    } = await this.passwordChecks
      .check(
        input.email,
        input.password,
        () => repositories.users.findByEmail(input.email),
        (account) => this.mfa.isEnabled(account.id),
      )
      .catch((error: unknown) => {
        if (error instanceof AppError && error.code === 'RATE_LIMITED') telemetry.login('locked');
        throw error;
      });
    if (!user || !matched) {
      const tailStartedAt = this.failedLoginTails.start();
      if (!user) {
        telemetry.login('unknown_email');
        await this.failedLoginTails.waitFrom(tailStartedAt);
        throw new AppError('AUTHENTICATION_FAILED');
      }
      telemetry.login(user.isActive ? 'wrong_password' : 'inactive');
      await repositories.activity.record({
        userId: user.id,
        action: 'login_failed',
        ...origin,
        at: clock.now(),
        metadata: { reason: user.isActive ? 'bad_password' : 'inactive' },
      });
      this.failedLoginTails.record(tailStartedAt);
      throw new AppError('AUTHENTICATION_FAILED');
    }
    // Only after the right password: the distinct answer reveals nothing to someone without it.
    if (this.deps.settings.requireEmailVerification && !user.isVerified) {
      telemetry.login('email_not_verified');
      await repositories.activity.record({
        userId: user.id,
        action: 'login_failed',
        ...origin,
        at: clock.now(),
        metadata: { reason: 'email_not_verified' },
      });
      throw new AppError('EMAIL_NOT_VERIFIED');
    }

    if (awaitsSecondFactor) {
      telemetry.login('mfa_required');
      return this.mfaLogin.challenge(user);
    }

    // Hashes made with weaker parameters are upgraded while the plain password is at hand.
    const upgradedHash = hasher.needsRehash(user.passwordHash)
      ? await hasher.hash(input.password)
      : undefined;
    const result = await this.loginSession.start(user, origin, { upgradedHash });
    telemetry.login('success');
    return result;
  }

  async logout(viewer: Viewer, refreshToken: string | undefined, origin: Origin) {
    const sessionIds = new Set([viewer.sessionId]);
    if (refreshToken) {
      let claims;
      try {
        claims = await this.sessions.verify(refreshToken, 'refresh');
      } catch {
        throw fieldError('refresh', 'Token is invalid or expired.');
      }
      if (claims.user_id !== viewer.userId)
        throw fieldError('refresh', 'Token does not belong to this user.');
      sessionIds.add(claims.sid);
    }
    const now = this.deps.clock.now();
    for (const sessionId of sessionIds) {
      await this.sessions.revoke(
        { sessionId, userId: viewer.userId },
        'logout',
        async (transaction, revoked) => {
          if (sessionId === viewer.sessionId || revoked.length) {
            await this.deps.repositories.activity.record(
              {
                userId: viewer.userId,
                action: 'logout',
                ...origin,
                at: now,
                metadata: { session_id: sessionId },
              },
              transaction,
            );
          }
        },
      );
    }
    return { message: 'Logout successful.' };
  }

  async changePassword(
    viewer: Viewer,
    input: ChangePasswordInput,
    origin: Origin,
  ): Promise<{ message: string; tokens: TokenPair }> {
    const { repositories, hasher } = this.deps;
    const user = await repositories.users.findById(viewer.userId);
    if (!user) throw new AppError('TOKEN_INVALID');
    const { matched } = await this.passwordChecks.check(
      user.email,
      input.current_password,
      async () => user,
    );
    if (!matched) throw fieldError('current_password', CURRENT_PASSWORD_INCORRECT);
    await refuseUnacceptablePassword(this.deps, input.new_password, user, 'new_password');

    const passwordHash = await hasher.hash(input.new_password);
    try {
      const { tokens } = await this.accounts.setPassword(user, passwordHash, {
        action: 'password_change',
        origin,
        keep: viewer,
        replacing: user.passwordHash,
      });
      return { message: 'Password changed successfully.', tokens };
    } catch (error) {
      // Another password was set after the check: the one given is no longer the current one.
      if (error instanceof PasswordReplacedError)
        throw fieldError('current_password', CURRENT_PASSWORD_INCORRECT);
      throw error;
    }
  }
}
