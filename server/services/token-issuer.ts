/**
 * Signs the access/refresh pair of a session. Refresh identifiers are stored only as SHA-256;
 * a child's identifier is derived from its parent's with an HMAC, so within the reuse grace
 * window the very same child token can be handed out again without ever storing it.
 *
 * No token outlives its session: the refresh token expires at the session's end if that comes
 * before its own lifetime, and the access token no later than its refresh token, so a resource
 * server that only reads `exp` never accepts a token past the end of its session.
 */
import { epochSeconds, type Clock } from '../lib/clock.js';
import type { JwtCodec } from '../lib/jwt.js';
import { hmacToken, randomToken, sha256Hex } from '../lib/tokens.js';
import type { TokenPair } from '../schemas/auth.js';

export interface RefreshTokenPlan {
  jti: string;
  tokenHash: string;
  issuedAt: Date;
  expiresAt: Date;
}

export class TokenIssuer {
  constructor(
    private readonly jwt: JwtCodec,
    private readonly clock: Clock,
    private readonly secretKey: string,
    private readonly accessLifetimeSeconds: number,
    private readonly refreshLifetimeSeconds: number,
  ) {}

  /**
   * A new refresh identifier: random for a new family (`parentJti` null), derived for a
   * rotation. It expires after the refresh lifetime or at `sessionEnd`, whichever is first, in
   * whole seconds as the JWT's `exp` counts them.
   */
  planRefresh(parentJti: string | null, sessionEnd: Date): RefreshTokenPlan {
    const jti = parentJti ? hmacToken(this.secretKey, 'refresh-child', parentJti) : randomToken(24);
    const issuedAt = epochSeconds(this.clock);
    const expiresAt = Math.min(
      issuedAt + this.refreshLifetimeSeconds,
      Math.floor(sessionEnd.getTime() / 1000),
    );
    return {
      jti,
      tokenHash: sha256Hex(jti),
      issuedAt: new Date(issuedAt * 1000),
      expiresAt: new Date(expiresAt * 1000),
    };
  }

  /** The refresh identifier a rotation of `parentJti` produces (for the grace window). */
  childJti(parentJti: string): string {
    return hmacToken(this.secretKey, 'refresh-child', parentJti);
  }

  async pair(
    userId: string,
    sessionId: string,
    refresh: { jti: string; issuedAt: Date; expiresAt: Date },
  ): Promise<TokenPair> {
    return {
      access: await this.access(userId, sessionId, refresh.expiresAt),
      refresh: await this.refresh(userId, sessionId, refresh),
    };
  }

  private access(userId: string, sessionId: string, refreshExpiresAt: Date): Promise<string> {
    const iat = epochSeconds(this.clock);
    return this.jwt.sign({
      token_type: 'access',
      jti: randomToken(16),
      user_id: userId,
      sid: sessionId,
      iat,
      exp: Math.min(
        iat + this.accessLifetimeSeconds,
        Math.floor(refreshExpiresAt.getTime() / 1000),
      ),
    });
  }

  private refresh(
    userId: string,
    sessionId: string,
    plan: { jti: string; issuedAt: Date; expiresAt: Date },
  ): Promise<string> {
    return this.jwt.sign({
      token_type: 'refresh',
      jti: plan.jti,
      user_id: userId,
      sid: sessionId,
      iat: Math.floor(plan.issuedAt.getTime() / 1000),
      exp: Math.floor(plan.expiresAt.getTime() / 1000),
    });
  }
}
