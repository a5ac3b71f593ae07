/**
 * The one way a password is set: change-password, a reset and the operator's CLI all come here,
 * so each ends the same things. In one transaction: the new hash is stored, every other session
 * of the account is revoked, the activity entry is written and the password-changed mail is
 * enqueued. Storing the hash is also what ends every outstanding reset token (reset-tokens.ts
 * binds each to the hash it may replace). After the commit the revoked sessions are marked in
 * the hot-path cache and the account's failed-login lock is lifted: whoever set the password
 * either knew the old one, controls the mailbox or runs the service.
 */
import type { DbTransaction, UserRecord } from '../repositories/index.js';
import type { TokenPair } from '../schemas/auth.js';
import type { RequestOrigin, Viewer } from './contracts.js';
import type { ServiceDependencies } from './dependencies.js';
import type { SessionManager } from './session-service.js';

export interface PasswordChange {
  /** The activity entry's action, and the reason recorded on the revoked sessions. */
  action: 'password_change' | 'password_reset';
  origin: RequestOrigin;
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

export class PasswordSetter {
  constructor(
    private readonly deps: ServiceDependencies,
    private readonly sessions: SessionManager,
  ) {}

  /** The session `keep` stays signed in, with a fresh token pair; every other one ends. */
  set(
    user: UserRecord,
    passwordHash: string,
    change: PasswordChange & { keep: Viewer },
  ): Promise<{ sessionsRevoked: number; tokens: TokenPair }>;
  /** Every session of the account ends. */
  set(
    user: UserRecord,
    passwordHash: string,
    change: PasswordChange,
  ): Promise<{ sessionsRevoked: number }>;
  async set(
    user: UserRecord,
    passwordHash: string,
    change: PasswordChange & { keep?: Viewer },
  ): Promise<{ sessionsRevoked: number; tokens?: TokenPair }> {
    const { repositories, clock } = this.deps;
    const now = clock.now();
    let revoked: string[] = [];
    const tokens = await repositories.transaction(async (transaction) => {
      await this.storeHash(user, passwordHash, change.replacing, transaction);
      revoked = await repositories.sessions.revoke(
        { userId: user.id, exceptSessionId: change.keep?.sessionId },
        change.action,
        now,
        transaction,
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
      return tokens;
    });
    await this.sessions.markRevoked(revoked);
    // The password is set: a store that cannot be reached only leaves the lock to expire.
    await this.deps.rateLimits.clearLoginFailures(user.email).catch((error: Error) => {
      this.deps.logger.warn({ err: error.message }, 'could not lift the failed-login lock');
    });
    return { sessionsRevoked: revoked.length, ...(tokens ? { tokens } : {}) };
  }

  private async storeHash(
    user: UserRecord,
    passwordHash: string,
    replacing: string | undefined,
    transaction: DbTransaction,
  ) {
    const stored = await this.deps.repositories.users.setPasswordHash(
      user.id,
      passwordHash,
      replacing,
      transaction,
    );
    if (!stored) throw new PasswordReplacedError();
  }
}
