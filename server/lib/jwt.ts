/**
 * JWT signing and verification over the process's key ring (signing-keys/key-ring.ts). Signing
 * and key handling use jose: jsonwebtoken 9 cannot sign or verify EdDSA, while jose does all four
 * algorithms, imports and exports JWKs, computes thumbprints, and is what resource servers verify
 * with (createRemoteJWKSet). Verification, on every authenticated request, is synchronous over
 * node's crypto (signing-keys/compact-jws.ts says why).
 *
 * Every token's header names its key (`kid`); a token is verified only with that key and only
 * with that key's algorithm, so `alg: none`, an HS256 token "signed" with a public key, a token
 * of an unknown or retired key, and one whose `alg` differs from its key's are all refused.
 * Tokens without a `kid` (issued before keys had names) are HS256 tokens of SECRET_KEY.
 */
import { SignJWT } from 'jose';
import { LRUCache } from 'lru-cache';
import type { Clock } from './clock.js';
import { epochSeconds } from './clock.js';
import { JwsError, verifyCompactJws, type JwsHeader } from './signing-keys/compact-jws.js';
import type { KeyRing } from './signing-keys/key-ring.js';

export type TokenType = 'access' | 'refresh';

export interface TokenClaims {
  token_type: TokenType;
  jti: string;
  user_id: string;
  /** The session (one per login) the token belongs to. */
  sid: string;
  iat: number;
  exp: number;
}

export interface JwtCodecOptions {
  keys: KeyRing;
  issuer: string;
  audience: string;
  clock: Clock;
  /** The verified-access-token cache (on in production; the benchmark turns it off to compare). */
  rememberVerified?: boolean;
}

/** Verified access tokens remembered (about 1 KB each); see JwtCodec.verify. */
const VERIFIED_ACCESS_TOKENS = 5000;

export class InvalidTokenError extends Error {
  override name = 'InvalidTokenError';
}

/** A kid this process does not hold (yet: another instance may have just added it). */
class UnknownKeyError extends InvalidTokenError {
  constructor(readonly kid: string) {
    super('unknown key');
  }
}

export class JwtCodec {
  private readonly keys: KeyRing;
  private readonly issuer: string;
  private readonly audience: string;
  private readonly clock: Clock;
  private readonly rememberVerified: boolean;
  private readonly verifiedAccess = new LRUCache<string, Readonly<TokenClaims>>({
    max: VERIFIED_ACCESS_TOKENS,
  });

  constructor(options: JwtCodecOptions) {
    this.keys = options.keys;
    this.issuer = options.issuer;
    this.audience = options.audience;
    this.clock = options.clock;
    this.rememberVerified = options.rememberVerified ?? true;
    // A retired key's tokens must stop passing at once, remembered or not.
    this.keys.onChange(() => this.verifiedAccess.clear());
  }

  /** Signs claims; `iat` and `exp` are taken as given so a token can be re-issued identically. */
  async sign(claims: TokenClaims): Promise<string> {
    const key = this.keys.signing();
    return new SignJWT({ ...claims, iss: this.issuer, aud: this.audience })
      .setProtectedHeader({ alg: key.algorithm, kid: key.kid, typ: 'JWT' })
      .sign(key.key);
  }

  /**
   * Verifies signature, key, algorithm, issuer, audience, expiry and the expected token type.
   *
   * An access token that passed once is remembered by its exact text, so the next request
   * with it costs a lookup and the expiry check instead of a signature check and two JSON
   * parses, on every authenticated request. Only the same bytes can hit, the cache is emptied
   * whenever the key set changes, and expiry is checked on every use: the answer is the one a
   * full verification would give. Revocation is not decided here (see SessionStateCache).
   * Tokens that fail are never remembered, so garbage cannot push good entries out.
   */
  async verify(token: string, expectedType: TokenType): Promise<Readonly<TokenClaims>> {
    if (expectedType === 'access' && this.rememberVerified) {
      const remembered = this.verifiedAccess.get(token);
      if (remembered && epochSeconds(this.clock) < remembered.exp) return remembered;
    }
    const claims = await this.verifyInFull(token, expectedType);
    if (expectedType === 'access' && this.rememberVerified) this.verifiedAccess.set(token, claims);
    return claims;
  }

  private async verifyInFull(token: string, expectedType: TokenType) {
    try {
      return this.verifyNow(token, expectedType);
    } catch (error) {
      if (!(error instanceof UnknownKeyError) || !(await this.keys.learn(error.kid))) throw error;
      return this.verifyNow(token, expectedType);
    }
  }

  private verifyNow(token: string, expectedType: TokenType): Readonly<TokenClaims> {
    let payload: Record<string, unknown>;
    try {
      payload = verifyCompactJws(token, (header) => this.keyFor(header));
    } catch (error) {
      if (error instanceof JwsError) throw new InvalidTokenError(error.message);
      throw error;
    }
    const audience = payload.aud;
    if (
      payload.iss !== this.issuer ||
      !(audience === this.audience || (Array.isArray(audience) && audience.includes(this.audience)))
    )
      throw new InvalidTokenError('issuer or audience differs');
    if (typeof payload.exp === 'number' && payload.exp <= epochSeconds(this.clock))
      throw new InvalidTokenError('token expired');
    const claims = payload as Partial<TokenClaims>;
    if (
      claims.token_type !== expectedType ||
      typeof claims.jti !== 'string' ||
      typeof claims.user_id !== 'string' ||
      typeof claims.sid !== 'string' ||
      typeof claims.exp !== 'number' ||
      typeof claims.iat !== 'number'
    ) {
      throw new InvalidTokenError(`not a valid ${expectedType} token`);
    }
    return Object.freeze(claims as TokenClaims);
  }

  private keyFor(header: JwsHeader) {
    const kid = header.kid === undefined ? this.keys.hmac.verifying.kid : header.kid;
    if (typeof kid !== 'string') throw new JwsError('malformed kid');
    const key = this.keys.find(kid);
    if (!key) throw new UnknownKeyError(kid);
    return key;
  }
}
