/**
 * Sessions and their refresh-token families: starting one at login, checking access tokens on
 * the hot path, rotating refresh tokens (with reuse detection and a grace window for two
 * concurrent refreshes), and revoking. How long a session lasts: session-lifetime.ts.
 */
import { AppError } from '../errors.js';
import { InvalidTokenError, type TokenClaims } from '../lib/jwt.js';
import {
  onCommit,
  type DbTransaction,
  type SessionRecord,
  type UserRecord,
} from '../repositories/index.js';
import type { TokenPair } from '../schemas/auth.js';
import type { ServiceDependencies } from './index.js';
import type { Origin, StaffMember, Viewer } from './types.js';
import { SessionLifetime } from './session-lifetime.js';
import { RefreshRotation } from './refresh-rotation.js';
import { SessionStateCache } from './session-state-cache.js';
import { TokenIssuer } from './token-issuer.js';

const BEARER = /^Bearer\s+(\S*)\s*$/i;

const tokenInvalid = (detail = 'Token is invalid or expired.') =>
  new AppError('TOKEN_INVALID', { detail });

/** What sessions are built from: their tables, the shared cache, tokens and the clock. */
export type SessionServiceDependencies = Pick<
  ServiceDependencies,
  'cache' | 'clock' | 'jwt' | 'logger' | 'telemetry'
> & {
  repositories: Pick<
    ServiceDependencies['repositories'],
    'sessions' | 'users' | 'activity' | 'transaction'
  >;
  settings: Pick<
    ServiceDependencies['settings'],
    | 'secretKey'
    | 'accessTokenLifetimeSeconds'
    | 'refreshTokenLifetimeSeconds'
    | 'refreshReuseGraceSeconds'
    | 'sessionMaxAgeSeconds'
    | 'sessionIdleSeconds'
  >;
};

/** Where a revocation applies: one session, a user's sessions, all of them but one. */
export interface RevocationTarget {
  sessionId?: string;
  userId?: string;
  exceptSessionId?: string;
}

export class SessionService {
  readonly issuer: TokenIssuer;
  private readonly lifetime: SessionLifetime;
  private readonly state: SessionStateCache;
  private readonly rotation: RefreshRotation;

  constructor(private readonly deps: SessionServiceDependencies) {
    const { settings } = deps;
    this.issuer = new TokenIssuer(
      deps.jwt,
      deps.clock,
      settings.secretKey,
      settings.accessTokenLifetimeSeconds,
      settings.refreshTokenLifetimeSeconds,
    );
    this.lifetime = new SessionLifetime(settings.sessionMaxAgeSeconds, settings.sessionIdleSeconds);
    this.state = new SessionStateCache(
      deps.cache,
      deps.repositories.sessions,
      this.lifetime,
      deps.logger,
      deps.telemetry,
      settings.accessTokenLifetimeSeconds,
    );
    this.rotation = new RefreshRotation(deps, this.issuer, this.lifetime);
  }

  async authenticate(authorization: string | null): Promise<Viewer> {
    const match = authorization ? BEARER.exec(authorization) : null;
    if (!match) throw new AppError('NOT_AUTHENTICATED');
    const claims = await this.verify(match[1]!, 'access');
    const activeUserId = await this.state.activeUserId(claims.sid, this.deps.clock.now());
    if (activeUserId !== claims.user_id) throw tokenInvalid('Token has been revoked.');
    return { userId: claims.user_id, sessionId: claims.sid, accessTokenId: claims.jti };
  }

  /**
   * RFC 7662 for resource servers: the claims of a live access token (signature, expiry and the
   * same revocation check as authenticate), else null. Never throws for a bad token.
   */
  async introspect(token: string): Promise<TokenClaims | null> {
    const claims = await this.deps.jwt.verify(token, 'access').catch((error: unknown) => {
      if (error instanceof InvalidTokenError) return null;
      throw error;
    });
    if (!claims) return null;
    const activeUserId = await this.state.activeUserId(claims.sid, this.deps.clock.now());
    return activeUserId === claims.user_id ? claims : null;
  }

  async requireStaff(viewer: Viewer): Promise<StaffMember> {
    const user = await this.deps.repositories.users.findById(viewer.userId);
    if (!user?.isActive || !user.isStaff) throw new AppError('PERMISSION_DENIED');
    return { userId: user.id, isSuperuser: user.isSuperuser };
  }

  /** A new session (one login) with the first token pair of its family. */
  async start(
    user: UserRecord,
    origin: Origin,
    transaction: DbTransaction,
  ): Promise<{ sessionId: string; tokens: TokenPair }> {
    const now = this.deps.clock.now();
    const refresh = this.issuer.planRefresh(null, this.lifetime.endAfterRefresh(now, now));
    const session = await this.deps.repositories.sessions.create(
      { userId: user.id, expiresAt: refresh.expiresAt, now, ...origin },
      transaction,
    );
    await this.deps.repositories.sessions.addRefreshToken(
      {
        sessionId: session.id,
        tokenHash: refresh.tokenHash,
        parentId: null,
        issuedAt: refresh.issuedAt,
        expiresAt: refresh.expiresAt,
      },
      transaction,
    );
    return { sessionId: session.id, tokens: await this.issuer.pair(user.id, session.id, refresh) };
  }

  /** Replaces every refresh token of a session with one new pair (after a password change). */
  async reissue(viewer: Viewer, transaction: DbTransaction): Promise<TokenPair> {
    const { sessions } = this.deps.repositories;
    const now = this.deps.clock.now();
    const session = await sessions.findById(viewer.sessionId, transaction);
    if (!session) throw tokenInvalid();
    const refresh = this.issuer.planRefresh(
      null,
      this.lifetime.endAfterRefresh(session.createdAt, now),
    );
    await sessions.revokeRefreshTokensOfSession(viewer.sessionId, now, transaction);
    await sessions.continueWith(
      {
        sessionId: viewer.sessionId,
        tokenHash: refresh.tokenHash,
        parentId: null,
        issuedAt: refresh.issuedAt,
        expiresAt: refresh.expiresAt,
      },
      now,
      transaction,
    );
    return this.issuer.pair(viewer.userId, viewer.sessionId, refresh);
  }

  async refresh(refreshToken: string, origin: Origin): Promise<TokenPair> {
    const claims = await this.verify(refreshToken, 'refresh');
    const outcome = await this.deps.repositories.transaction((transaction) =>
      this.rotation.rotate(claims, transaction),
    );
    if (outcome.kind === 'rotated') return outcome.tokens;

    // A consumed token presented again, outside the grace window: whoever holds it may be an
    // attacker replaying a stolen token, so the whole family (the session) ends.
    this.deps.telemetry.refreshReuse();
    await this.revoke({ sessionId: outcome.sessionId }, 'refresh_reuse', async (transaction) => {
      await this.deps.repositories.activity.record(
        {
          userId: claims.user_id,
          action: 'refresh_reuse_detected',
          ...origin,
          at: this.deps.clock.now(),
          metadata: { session_id: outcome.sessionId },
        },
        transaction,
      );
    });
    throw tokenInvalid('Token has already been used; the session has been revoked.');
  }

  /**
   * Revokes sessions in PostgreSQL (the source of truth) together with whatever else the caller
   * writes in the same transaction (revokeWithin).
   */
  revoke(
    where: RevocationTarget,
    reason: string,
    alsoInTransaction?: (transaction: DbTransaction, revokedIds: string[]) => Promise<void>,
  ): Promise<string[]> {
    return this.deps.repositories.transaction(async (transaction) => {
      const ids = await this.revokeWithin(transaction, where, reason);
      await alsoInTransaction?.(transaction, ids);
      return ids;
    });
  }

  /**
   * The one way sessions end: revoked in the caller's transaction, and marked revoked in the
   * hot-path cache when, and only when, that transaction commits. Nothing is left to remember
   * afterwards: an access token of a revoked session is refused on its very next request.
   */
  async revokeWithin(
    transaction: DbTransaction,
    where: RevocationTarget,
    reason: string,
  ): Promise<string[]> {
    const ids = await this.deps.repositories.sessions.revoke(
      where,
      reason,
      this.deps.clock.now(),
      transaction,
    );
    if (ids.length) {
      onCommit(transaction, () => {
        this.deps.telemetry.sessionsRevoked(reason, ids.length);
        return this.state.markRevoked(ids);
      });
    }
    return ids;
  }

  /** A user's sessions that have not ended, newest first. */
  listActive(userId: string): Promise<SessionRecord[]> {
    const now = this.deps.clock.now();
    return this.deps.repositories.sessions.listActive(userId, now, this.lifetime.loginCutoff(now));
  }

  async verify(token: string, type: 'access' | 'refresh'): Promise<TokenClaims> {
    try {
      return await this.deps.jwt.verify(token, type);
    } catch (error) {
      if (error instanceof InvalidTokenError) throw tokenInvalid();
      throw error;
    }
  }
}
