/**
 * Every change to an account is one operation here, whoever asks for it: the account's owner
 * (change-password, a reset), a staff member (the staff API, the console) or the operator (the
 * CLI). Each writes the change, its consequences and its activity entries in one transaction,
 * so a caller cannot forget a part:
 *
 * - setPassword: the new hash; every session but the kept one ends; outstanding reset links
 *   die with the hash they were bound to (reset-tokens.ts); the password-changed mail is
 *   enqueued; after the commit the failed-login lock is lifted (whoever set it knew the old
 *   password, holds the mailbox or runs the service).
 * - update (and its names deactivate, reactivate, setStaff): the flags and the name. A
 *   deactivation ends every session and mails the person; the last active superuser can be
 *   neither deactivated nor demoted (superuser-guard.ts) unless the operator forces it; only a
 *   superuser grants staff status or touches a superuser's account (account-changes.ts).
 */
import { AppError, fieldError } from '../errors.js';
import type { UserRecord } from '../repositories/index.js';
import { EmailTakenError } from '../repositories/users.js';
import type { TokenPair } from '../schemas/auth.js';
import type { UserView } from '../schemas/user.js';
import {
  authorise,
  FROM_CLI,
  onlyChanged,
  recordAccountChange,
  type AccountChanges,
  type Actor,
} from './account-changes.js';
import type { ServiceDependencies } from './index.js';
import { refuseBreached, refuseUnacceptablePassword } from './breach-check.js';
import { passwordProblems } from './password-policy.js';
import type { SessionService } from './session-service.js';
import { assertNotLastSuperuser, mayRemoveSuperuser } from './superuser-guard.js';
import type { Origin, Viewer } from './types.js';
import { toUserView } from './user-view.js';

export type AccountServiceDependencies = Pick<
  ServiceDependencies,
  'clock' | 'hasher' | 'mailer' | 'logger' | 'rateLimits' | 'breachedPasswords'
> & {
  repositories: Pick<ServiceDependencies['repositories'], 'users' | 'activity' | 'transaction'>;
  settings: Pick<ServiceDependencies['settings'], 'passwordMinLength'>;
};

export interface PasswordChange {
  /** The activity entry's action, and the reason recorded on the revoked sessions. */
  action: 'password_change' | 'password_reset';
  origin: Origin;
  /** Added to the activity entry's metadata (which always has `sessions_revoked`). */
  metadata?: Record<string, unknown>;
  /**
   * The hash the caller checked against (the current password, or the one a reset token was
   * issued for): when another password was set meanwhile, nothing changes and
   * PasswordReplacedError is thrown.
   */
  replacing?: string;
}

/** The password was set by someone else between the caller's check and this change. */
export class PasswordReplacedError extends Error {
  override name = 'PasswordReplacedError';
}

export interface NewSuperuser {
  email: string;
  fullName: string;
  password: string;
}

const EMAIL_TAKEN = 'A user with this email already exists.';

export class AccountService {
  constructor(
    private readonly deps: AccountServiceDependencies,
    private readonly sessions: SessionService,
  ) {}

  /** The session `keep` stays signed in, with a fresh token pair; every other one ends. */
  setPassword(
    user: UserRecord,
    passwordHash: string,
    change: PasswordChange & { keep: Viewer },
  ): Promise<{ sessionsRevoked: number; tokens: TokenPair }>;
  /** Every session of the account ends. */
  setPassword(
    user: UserRecord,
    passwordHash: string,
    change: PasswordChange,
  ): Promise<{ sessionsRevoked: number }>;
  async setPassword(
    user: UserRecord,
    passwordHash: string,
    change: PasswordChange & { keep?: Viewer },
  ): Promise<{ sessionsRevoked: number; tokens?: TokenPair }> {
    const { repositories, clock } = this.deps;
    const now = clock.now();
    const { revoked, tokens } = await repositories.transaction(async (transaction) => {
      const stored = await repositories.users.setPasswordHash(
        user.id,
        passwordHash,
        change.replacing,
        transaction,
      );
      if (!stored) throw new PasswordReplacedError();
      const revoked = await this.sessions.revokeWithin(
        transaction,
        { userId: user.id, exceptSessionId: change.keep?.sessionId },
        change.action,
      );
      const tokens = change.keep
        ? await this.sessions.reissue(change.keep, transaction)
        : undefined;
      await repositories.activity.record(
        {
          userId: user.id,
          action: change.action,
          ...change.origin,
          at: now,
          metadata: { ...change.metadata, sessions_revoked: revoked.length },
        },
        transaction,
      );
      await this.deps.mailer.sendPasswordChanged(
        { to: user.email, at: now, ...change.origin },
        { transaction },
      );
      return { revoked, tokens };
    });
    // The password is set: a store that cannot be reached only leaves the lock to expire.
    await this.deps.rateLimits.clearLoginFailures(user.email).catch((error: Error) => {
      this.deps.logger.warn({ err: error.message }, 'could not lift the failed-login lock');
    });
    return { sessionsRevoked: revoked.length, ...(tokens ? { tokens } : {}) };
  }

  /**
   * Sets flags and the name in one transaction. Superusers are locked before the target, so
   * every such transaction takes its locks in the same order and two administrators demoting
   * each other at once are serialised. Nothing changes (and nothing is recorded) when the
   * account already is as asked.
   */
  async update(
    userId: string,
    requested: AccountChanges,
    actor: Actor,
  ): Promise<{ user: UserRecord; changed: boolean; sessionsRevoked: number }> {
    const { repositories, clock } = this.deps;
    return repositories.transaction(async (transaction) => {
      const superuserIds = mayRemoveSuperuser(requested)
        ? await repositories.users.lockActiveSuperusers(transaction)
        : [];
      const target = await repositories.users.findForUpdate(userId, transaction);
      if (!target) throw new AppError('NOT_FOUND');
      const changes = onlyChanged(target, requested);
      if (!Object.keys(changes).length) return { user: target, changed: false, sessionsRevoked: 0 };
      if (actor.kind === 'staff') authorise(actor.staff, target, changes);
      if (actor.kind === 'staff' || !actor.force) {
        assertNotLastSuperuser(target, changes, superuserIds);
      }

      const user = (await repositories.users.update(target.id, changes, transaction))!;
      let revoked: string[] = [];
      if (changes.isActive === false) {
        revoked = await this.sessions.revokeWithin(
          transaction,
          { userId: target.id },
          'account_deactivated',
        );
        // Enqueued with the change: the person learns of it even if their sessions were stolen.
        await this.deps.mailer.sendAccountDeactivated(
          { to: target.email, at: clock.now() },
          { transaction },
        );
      }
      await recordAccountChange(
        repositories,
        { target, changes, actor, sessionsRevoked: revoked.length, at: clock.now() },
        transaction,
      );
      return { user, changed: true, sessionsRevoked: revoked.length };
    });
  }

  deactivate(userId: string, actor: Actor) {
    return this.update(userId, { isActive: false }, actor);
  }

  reactivate(userId: string, actor: Actor) {
    return this.update(userId, { isActive: true }, actor);
  }

  setStaff(userId: string, isStaff: boolean, actor: Actor) {
    return this.update(userId, { isStaff }, actor);
  }

  /** The operator's first account: staff, superuser and verified; `register` in its log. */
  async createSuperuser(input: NewSuperuser): Promise<UserView> {
    const { repositories, hasher, clock } = this.deps;
    const problems = this.passwordProblems(input.password, input);
    if (problems.length) throw fieldError('password', ...problems);
    if (await this.isEmailTaken(input.email)) throw fieldError('email', EMAIL_TAKEN);
    await refuseBreached(this.deps.breachedPasswords, input.password, 'password');
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
   * The operator's `changepassword`: the account's own password policy, then setPassword as a
   * reset does (every session ends, reset links die, the lock lifts, the person is told).
   */
  async setPasswordAsOperator(
    email: string,
    password: string,
  ): Promise<{ sessionsRevoked: number }> {
    const user = await this.requireByEmail(email);
    await refuseUnacceptablePassword(this.deps, password, user, 'password');
    const passwordHash = await this.deps.hasher.hash(password);
    return this.setPassword(user, passwordHash, {
      action: 'password_change',
      origin: FROM_CLI,
      metadata: { via: 'cli' },
    });
  }

  /** The operator's `deactivate`; `force` passes over the last-superuser rule. */
  async deactivateAsOperator(
    email: string,
    options: { force?: boolean } = {},
  ): Promise<{ alreadyInactive: boolean; sessionsRevoked: number }> {
    const user = await this.requireByEmail(email);
    const { changed, sessionsRevoked } = await this.deactivate(user.id, {
      kind: 'operator',
      force: !!options.force,
    });
    return { alreadyInactive: !changed, sessionsRevoked };
  }

  async isEmailTaken(email: string): Promise<boolean> {
    return !!(await this.deps.repositories.users.findByEmail(email));
  }

  passwordProblems(password: string, context: { email?: string; fullName?: string }): string[] {
    return passwordProblems(password, this.deps.settings.passwordMinLength, context);
  }

  private async requireByEmail(email: string): Promise<UserRecord> {
    const user = await this.deps.repositories.users.findByEmail(email);
    if (!user)
      throw new AppError('NOT_FOUND', { detail: `No user with the email address ${email}.` });
    return user;
  }
}
