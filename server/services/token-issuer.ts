/**
 * Signs the access/refresh pair of a session. Refresh identifiers are stored only as SHA-256;
 * a child's identifier is derived from its parent's with an HMAC, so within the reuse grace
 * window the very same child token can be handed out again without ever storing it.
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

  /** A new refresh identifier: random for a new family, derived for a rotation. */
  planRefresh(parentJti?: string): RefreshTokenPlan {
    const jti = parentJti ? hmacToken(this.secretKey, 'refresh-child', parentJti) : randomToken(24);
    const issuedAt = new Date(epochSeconds(this.clock) * 1000);
    const expiresAt = new Date(issuedAt.getTime() + this.refreshLifetimeSeconds * 1000);
    return { jti, tokenHash: sha256Hex(jti), issuedAt, expiresAt };
  }

  /** The refresh identifier a rotation of `parentJti` produces (for the grace window). */
  childJti(parentJti: string): string {
    return hmacToken(this.secretKey, 'refresh-child', parentJti);
  }

  pair(
    userId: string,
    sessionId: string,
    refresh: { jti: string; issuedAt: Date; expiresAt: Date },
  ): TokenPair {
    return {
      access: this.access(userId, sessionId),
      refresh: this.refresh(userId, sessionId, refresh),
    };
  }

  private access(userId: string, sessionId: string): string {
    const iat = epochSeconds(this.clock);
    return this.jwt.sign({
      token_type: 'access',
      jti: randomToken(16),
      user_id: userId,
      sid: sessionId,
      iat,
      exp: iat + this.accessLifetimeSeconds,
    });
  }

  private refresh(
    userId: string,
    sessionId: string,
    plan: { jti: string; issuedAt: Date; expiresAt: Date },
  ) {
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
