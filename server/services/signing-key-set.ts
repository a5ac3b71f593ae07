/**
 * Builds the in-memory key set (lib/signing-keys/key-ring.ts) from the stored keys: every key
 * that may still have live tokens verifies, the current one signs, and the public parts go into
 * the JWKS. Only the signing key's private part is ever decrypted; verifying needs the public JWK
 * alone. Imported keys are kept by kid, so a reload costs one query and no crypto.
 */
import type { KeyObject } from 'node:crypto';
import { z } from 'zod';
import type { CryptoKey } from 'jose';
import type { SigningKeyRecord } from '../repositories/signing-keys.js';
import { decryptPrivateKey } from '../lib/signing-keys/key-encryption.js';
import {
  importKeyMaterial,
  importPublicKey,
  type PublicJwk,
} from '../lib/signing-keys/key-material.js';
import {
  RELOAD_AFTER_MS,
  type KeySet,
  type SigningKey,
  type VerifyingKey,
} from '../lib/signing-keys/key-ring.js';

const publicJwkSchema = z.object({
  kid: z.string().min(1),
  alg: z.enum(['EdDSA', 'ES256', 'RS256']),
  use: z.literal('sig'),
  kty: z.enum(['OKP', 'EC', 'RSA']),
  crv: z.string().optional(),
  x: z.string().optional(),
  y: z.string().optional(),
  n: z.string().optional(),
  e: z.string().optional(),
});

export class KeyRowError extends Error {
  override name = 'KeyRowError';
}

/**
 * What a stored key is now: published ahead of signing (`next`), signing, verifying only, past
 * every token it signed, or retired.
 */
export type KeyStatus = 'next' | 'signing' | 'verifying' | 'expired' | 'retired';

/**
 * A rotated-in key is published before it signs (see ACTIVATION_DELAY_MS), so every instance
 * lists it in its JWKS before any token names it. A superseded key verifies until every token it
 * may have signed has expired: the longest token lifetime after it stopped signing, plus the time
 * another instance may have kept signing with it.
 */
export function keyStatus(row: SigningKeyRecord, now: Date, maxTokenSeconds: number): KeyStatus {
  if (row.retiredAt) return 'retired';
  if (row.activatedAt > now) return 'next';
  if (!row.supersededAt || row.supersededAt > now) return 'signing';
  const horizon = row.supersededAt.getTime() + maxTokenSeconds * 1000 + RELOAD_AFTER_MS;
  return now.getTime() < horizon ? 'verifying' : 'expired';
}

export const publicJwkOf = (row: SigningKeyRecord): PublicJwk => {
  const parsed = publicJwkSchema.safeParse(row.publicJwk);
  if (!parsed.success || parsed.data.kid !== row.kid || parsed.data.alg !== row.algorithm)
    throw new KeyRowError(`signing key ${row.kid}: its stored public key is corrupt`);
  return parsed.data as PublicJwk;
};

export class KeySetBuilder {
  private readonly publicKeys = new Map<string, KeyObject>();
  private readonly privateKeys = new Map<string, CryptoKey>();

  constructor(
    private readonly secretKey: string,
    private readonly hmac: { signing: SigningKey; verifying: VerifyingKey },
    /** Whether stored keys sign and are published (an asymmetric JWT_ALGORITHM), or only verify. */
    private readonly asymmetric: boolean,
    private readonly maxTokenSeconds: number,
  ) {}

  async build(rows: SigningKeyRecord[], now: Date): Promise<KeySet> {
    const verifying: VerifyingKey[] = [this.hmac.verifying];
    const published: PublicJwk[] = [];
    let signing = this.hmac.signing;
    for (const row of rows) {
      const status = keyStatus(row, now, this.maxTokenSeconds);
      if (status === 'retired' || status === 'expired') continue;
      const jwk = publicJwkOf(row);
      verifying.push({ kid: row.kid, algorithm: row.algorithm, key: this.publicKey(jwk) });
      if (!this.asymmetric) continue;
      published.push(jwk);
      if (status === 'signing')
        signing = { kid: row.kid, algorithm: row.algorithm, key: await this.privateKey(row) };
    }
    return { signing, verifying, published };
  }

  private publicKey(jwk: PublicJwk): KeyObject {
    let key = this.publicKeys.get(jwk.kid);
    if (!key) {
      try {
        key = importPublicKey(jwk);
      } catch {
        throw new KeyRowError(`signing key ${jwk.kid}: its stored public key does not import`);
      }
      this.publicKeys.set(jwk.kid, key);
    }
    return key;
  }

  private async privateKey(row: SigningKeyRecord): Promise<CryptoKey> {
    let key = this.privateKeys.get(row.kid);
    if (!key) {
      let pem: string;
      try {
        pem = decryptPrivateKey(
          this.secretKey,
          row.privateKey,
          row.encryption,
          `${row.kid}.${row.algorithm}`,
        ).toString('utf8');
      } catch (error) {
        throw new KeyRowError(`signing key ${row.kid}: ${(error as Error).message}`);
      }
      const material = await importKeyMaterial(row.algorithm, pem);
      if (material.kid !== row.kid)
        throw new KeyRowError(`signing key ${row.kid}: private part belongs to another key`);
      key = material.privateKey;
      this.privateKeys.set(row.kid, key);
    }
    return key;
  }
}
