/**
 * The end of every login, once its credentials are checked (a password, or a password and then
 * a second factor): last_login and its IP recorded, the `login` activity entry, a new session
 * and its first token pair, all in one transaction.
 */
import { AppError } from '../errors.js';
import type { DbTransaction, UserRecord } from '../repositories/index.js';
import type { AuthResult } from '../schemas/auth.js';
import type { ServiceDependencies } from './index.js';
import type { SessionService } from './session-service.js';
import type { Origin } from './types.js';
import { toUserView } from './user-view.js';

export type LoginSessionDependencies = Pick<ServiceDependencies, 'clock'> & {
  repositories: Pick<ServiceDependencies['repositories'], 'users' | 'activity' | 'transaction'>;
};

export interface LoginExtras {
  /** A stronger hash of the password, when it was at hand and the stored one is weaker. */
  upgradedHash?: string;
  /** Added to the `login` entry's metadata (how the second factor was given, say). */
  metadata?: Record<string, unknown>;
  /** More of the login's own writes, in its transaction (a recovery code's entry and mail). */
  within?: (transaction: DbTransaction, at: Date) => Promise<void>;
}

export class LoginSession {
  constructor(
    private readonly deps: LoginSessionDependencies,
    private readonly sessions: SessionService,
  ) {}

  async start(user: UserRecord, origin: Origin, extras: LoginExtras = {}): Promise<AuthResult> {
    const { repositories, clock } = this.deps;
    const now = clock.now();
    const { updated, tokens } = await repositories.transaction(async (transaction) => {
      const updated = await repositories.users.update(
        user.id,
        {
          lastLogin: now,
          lastLoginIp: origin.ip,
          ...(extras.upgradedHash ? { passwordHash: extras.upgradedHash } : {}),
        },
        transaction,
      );
      // The update locked the row: a deactivation that committed meanwhile is seen here, and one
      // still to come will revoke the session started below.
      if (!updated?.isActive) throw new AppError('AUTHENTICATION_FAILED');
      await repositories.activity.record(
        {
          userId: user.id,
          action: 'login',
          ...origin,
          at: now,
          ...(extras.metadata ? { metadata: extras.metadata } : {}),
        },
        transaction,
      );
      await extras.within?.(transaction, now);
      const { tokens } = await this.sessions.start(user, origin, transaction);
      return { updated, tokens };
    });
    return { message: 'Login successful.', user: toUserView(updated), tokens };
  }
}
