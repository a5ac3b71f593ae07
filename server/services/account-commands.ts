/**
 * What the operator's commands do (server/cli.ts): create a superuser, set a password, deactivate
 * an account. The same repositories, hasher, password policy and activity log as the API; the
 * CLI only gathers input and prints.
 */
import { AppError, fieldError } from '../errors.js';
import { EmailTakenError } from '../repositories/users.js';
import type { UserView } from '../schemas/user.js';
import type { AccountCommandService, NewSuperuser } from './contracts.js';
import type { ServiceDependencies } from './dependencies.js';
import { passwordProblems } from './password-policy.js';
import type { PasswordSetter } from './password-setter.js';
import type { SessionManager } from './session-service.js';
import { assertNotLastSuperuser, lockSuperusers } from './superuser-guard.js';
import { toUserView } from './user-view.js';

const EMAIL_TAKEN = 'A user with this email already exists.';
const NO_SUCH_USER = (email: string) => `No user with the email address ${email}.`;
const FROM_CLI = { ip: null, userAgent: null };

export class AccountCommands implements AccountCommandService {
  constructor(
    private readonly deps: ServiceDependencies,
    private readonly sessions: SessionManager,
    private readonly passwords: PasswordSetter,
  ) {}

  async isEmailTaken(email: string): Promise<boolean> {
    return !!(await this.deps.repositories.users.findByEmail(email));
  }

  passwordProblems(password: string, context: { email?: string; fullName?: string }): string[] {
    return passwordProblems(password, this.deps.settings.passwordMinLength, context);
  }

  /** Staff, superuser and verified; `register` in its log, marked as made by the CLI. */
  async createSuperuser(input: NewSuperuser): Promise<UserView> {
    const { repositories, hasher, clock } = this.deps;
    const problems = this.passwordProblems(input.password, input);
    if (problems.length) throw fieldError('password', ...problems);
    if (await this.isEmailTaken(input.email)) throw fieldError('email', EMAIL_TAKEN);
    const passwordHash = await hasher.hash(input.password);
    try {
      const user = await repositories.transaction(async (transaction) => {
        const user = await repositories.users.create(
          {
            email: input.email,
            fullName: input.fullName,
            passwordHash,
            isStaff: true,
            isSuperuser: true,
            isVerified: true,
          },
          transaction,
        );
        await repositories.activity.record(
          {
            userId: user.id,
            action: 'register',
            ...FROM_CLI,
            metadata: { via: 'cli', superuser: true },
            at: clock.now(),
          },
          transaction,
        );
        return user;
      });
      return toUserView(user);
    } catch (error) {
      if (error instanceof EmailTakenError) throw fieldError('email', EMAIL_TAKEN);
      throw error;
    }
  }

  /**
   * Sets the password as a reset does (password-setter.ts): every session of the account ends,
   * outstanding reset links die, a failed-login lock is lifted and the person is told by email.
   */
  async changePassword(email: string, password: string): Promise<{ sessionsRevoked: number }> {
    const { repositories, hasher } = this.deps;
    const user = await repositories.users.findByEmail(email);
    if (!user) throw new AppError('NOT_FOUND', { detail: NO_SUCH_USER(email) });
    const problems = this.passwordProblems(password, {
      email: user.email,
      fullName: user.fullName,
    });
    if (problems.length) throw fieldError('password', ...problems);
    const passwordHash = await hasher.hash(password);
    return this.passwords.set(user, passwordHash, {
      action: 'password_change',
      origin: FROM_CLI,
      metadata: { via: 'cli' },
    });
  }

  /** `force` skips the last-superuser rule (an operator locking out a compromised account). */
  async deactivate(
    email: string,
    options: { force?: boolean } = {},
  ): Promise<{ alreadyInactive: boolean; sessionsRevoked: number }> {
    const { repositories, clock } = this.deps;
    const found = await repositories.users.findByEmail(email);
    if (!found) throw new AppError('NOT_FOUND', { detail: NO_SUCH_USER(email) });
    let revoked: string[] = [];
    const alreadyInactive = await repositories.transaction(async (transaction) => {
      const superuserIds = await lockSuperusers(repositories, transaction);
      const user = await repositories.userDirectory.findForUpdate(found.id, transaction);
      if (!user) throw new AppError('NOT_FOUND', { detail: NO_SUCH_USER(email) });
      if (!user.isActive) return true;
      if (!options.force) assertNotLastSuperuser(user, { isActive: false }, superuserIds);
      await repositories.users.update(user.id, { isActive: false }, transaction);
      revoked = await repositories.sessions.revoke(
        { userId: user.id },
        'account_deactivated',
        clock.now(),
        transaction,
      );
      await this.deps.mailer.sendAccountDeactivated(
        { to: user.email, at: clock.now() },
        { transaction },
      );
      await repositories.activity.record(
        {
          userId: user.id,
          action: 'account_deactivated',
          ...FROM_CLI,
          metadata: { via: 'cli', sessions_revoked: revoked.length, forced: !!options.force },
          at: clock.now(),
        },
        transaction,
      );
      return false;
    });
    await this.sessions.markRevoked(revoked);
    return { alreadyInactive, sessionsRevoked: revoked.length };
  }
}
