/**
 * Refresh-token rotation, in the caller's transaction: the presented token is consumed (one
 * UPDATE, so of two concurrent refreshes exactly one wins) and a child issued in its place.
 * A token presented again is reuse, and the whole family ends (session-service.ts), with one
 * exception for two tabs refreshing at once: inside REFRESH_REUSE_GRACE_SECONDS the immediate
 * parent of the live token gets that same child back (its identifier is derived, never
 * stored: token-issuer.ts).
 */
import { AppError } from '../errors.js';
import type { TokenClaims } from '../lib/jwt.js';
import { sha256Hex } from '../lib/tokens.js';
import type { DbTransaction } from '../repositories/index.js';
import type { SessionState } from '../repositories/sessions.js';
import type { TokenPair } from '../schemas/auth.js';
import type { ServiceDependencies } from './index.js';
import type { SessionLifetime } from './session-lifetime.js';
import type { TokenIssuer } from './token-issuer.js';

export type RotationOutcome =
  { kind: 'rotated'; tokens: TokenPair } | { kind: 'reuse'; sessionId: string };

const tokenInvalid = () =>
  new AppError('TOKEN_INVALID', { detail: 'Token is invalid or expired.' });

export type RefreshRotationDependencies = Pick<ServiceDependencies, 'clock'> & {
  repositories: Pick<ServiceDependencies['repositories'], 'sessions'>;
  settings: Pick<ServiceDependencies['settings'], 'refreshReuseGraceSeconds'>;
};

export class RefreshRotation {
  constructor(
    private readonly deps: RefreshRotationDependencies,
    private readonly issuer: TokenIssuer,
    private readonly lifetime: SessionLifetime,
  ) {}

  async rotate(claims: TokenClaims, transaction: DbTransaction): Promise<RotationOutcome> {
    const { sessions } = this.deps.repositories;
    const now = this.deps.clock.now();
    const tokenHash = sha256Hex(claims.jti);

    const consumed = await sessions.consumeRefreshToken(tokenHash, now, transaction);
    if (consumed) {
      const session = await this.requireUsableSession(
        consumed.sessionId,
        claims.user_id,
        now,
        transaction,
      );
      const child = this.issuer.planRefresh(
        claims.jti,
        this.lifetime.endAfterRefresh(session.createdAt, now),
      );
      await sessions.continueWith(
        {
          sessionId: consumed.sessionId,
          tokenHash: child.tokenHash,
          parentId: consumed.id,
          issuedAt: child.issuedAt,
          expiresAt: child.expiresAt,
        },
        now,
        transaction,
      );
      return {
        kind: 'rotated',
        tokens: await this.issuer.pair(claims.user_id, consumed.sessionId, child),
      };
    }

    const existing = await sessions.findRefreshToken(tokenHash, transaction);
    if (!existing || existing.revokedAt || existing.expiresAt <= now || !existing.consumedAt)
      throw tokenInvalid();

    // The grace window (two tabs refreshing at once) covers the immediate parent of the family's
    // live token alone. A grandparent, or a parent whose child has itself been used, is what a
    // thief replaying an old token looks like: reuse, however recent.
    const sinceConsumed = (now.getTime() - existing.consumedAt.getTime()) / 1000;
    const child = await sessions.findChildToken(existing.id, transaction);
    const childIsLive = !!child && !child.consumedAt && !child.revokedAt;
    if (!childIsLive || sinceConsumed > this.deps.settings.refreshReuseGraceSeconds) {
      return { kind: 'reuse', sessionId: existing.sessionId };
    }
    await this.requireUsableSession(existing.sessionId, claims.user_id, now, transaction);
    return {
      kind: 'rotated',
      tokens: await this.issuer.pair(claims.user_id, existing.sessionId, {
        jti: this.issuer.childJti(claims.jti),
        issuedAt: child.issuedAt,
        expiresAt: child.expiresAt,
      }),
    };
  }

  /** The session's state, when it may still issue tokens: else TOKEN_INVALID. */
  private async requireUsableSession(
    sessionId: string,
    userId: string,
    now: Date,
    transaction: DbTransaction,
  ): Promise<SessionState> {
    const state = await this.deps.repositories.sessions.findState(sessionId, transaction);
    if (
      !state ||
      state.revoked ||
      !state.userActive ||
      this.lifetime.hasEnded(state, now) ||
      state.userId !== userId
    ) {
      throw tokenInvalid();
    }
    return state;
  }
}
