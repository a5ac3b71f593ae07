/**
 * Asymmetric key pairs as jose handles them: generated, imported from a PEM, exported for
 * storage, and named by their RFC 7638 thumbprint (the `kid`), so the same key always has the
 * same name on every instance and in every JWKS.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import {
  calculateJwkThumbprint,
  exportJWK,
  exportPKCS8,
  generateKeyPair,
  importPKCS8,
  type CryptoKey,
  type JWK,
} from 'jose';

export type AsymmetricAlgorithm = 'EdDSA' | 'ES256' | 'RS256';

/** What a resource server may see of a key: never a private member. */
export interface PublicJwk {
  kid: string;
  alg: AsymmetricAlgorithm;
  use: 'sig';
  kty: string;
  crv?: string;
  x?: string;
  y?: string;
  n?: string;
  e?: string;
}

export interface KeyPairMaterial {
  kid: string;
  algorithm: AsymmetricAlgorithm;
  publicJwk: PublicJwk;
  privateKey: CryptoKey;
  /** PKCS#8 PEM, only ever stored encrypted. */
  privatePem: string;
}

export class KeyMaterialError extends Error {
  override name = 'KeyMaterialError';
}

const PUBLIC_MEMBERS = ['kty', 'crv', 'x', 'y', 'n', 'e'] as const;
const MIN_RSA_BITS = 2048;

async function describe(
  algorithm: AsymmetricAlgorithm,
  privateKey: CryptoKey,
  privatePem: string,
): Promise<KeyPairMaterial> {
  const full = await exportJWK(privateKey);
  const members: JWK = {};
  for (const member of PUBLIC_MEMBERS)
    if (full[member] !== undefined) members[member] = full[member];
  if (algorithm === 'RS256' && Buffer.from(members.n ?? '', 'base64url').length * 8 < MIN_RSA_BITS)
    throw new KeyMaterialError(`an RS256 key must have at least ${MIN_RSA_BITS} bits`);
  const kid = await calculateJwkThumbprint(members, 'sha256');
  const publicJwk = { ...members, kid, alg: algorithm, use: 'sig' } as PublicJwk;
  return { kid, algorithm, publicJwk, privateKey, privatePem };
}

export async function generateKeyMaterial(
  algorithm: AsymmetricAlgorithm,
): Promise<KeyPairMaterial> {
  const pair = await generateKeyPair(algorithm, {
    extractable: true,
    ...(algorithm === 'RS256' ? { modulusLength: MIN_RSA_BITS } : {}),
  });
  return describe(algorithm, pair.privateKey, await exportPKCS8(pair.privateKey));
}

/** A PKCS#8 PEM (JWT_PRIVATE_KEY, or a stored key once decrypted) for `algorithm`. */
export async function importKeyMaterial(
  algorithm: AsymmetricAlgorithm,
  pem: string,
): Promise<KeyPairMaterial> {
  let privateKey: CryptoKey;
  try {
    privateKey = await importPKCS8(pem, algorithm, { extractable: true });
  } catch {
    throw new KeyMaterialError(`is not a PKCS#8 ${algorithm} private key`);
  }
  return describe(algorithm, privateKey, pem);
}

/** The key a verifier uses, built from the public JWK alone. */
export function importPublicKey(jwk: PublicJwk): KeyObject {
  const { kty, crv, x, y, n, e } = jwk;
  return createPublicKey({ key: { kty, crv, x, y, n, e }, format: 'jwk' });
}
