/**
 * SECRET_KEY's HS256 key: the default algorithm's only key, and the one every token without a
 * `kid` was signed with. Derived (`jwt:` + SECRET_KEY) as it always was, so tokens issued before
 * keys had names keep verifying; imported once, since rebuilding a key per call is slow.
 */
import { createSecretKey, webcrypto } from 'node:crypto';
import type { CryptoKey } from 'jose';
import { hmacToken } from '../tokens.js';
import type { SigningKey, VerifyingKey } from './key-ring.js';

/** A name that says nothing about the secret, yet changes when SECRET_KEY does. */
export const hmacKid = (secretKey: string) =>
  `hs256-${hmacToken(secretKey, 'jwt-kid').slice(0, 16)}`;

export async function hmacRingKey(
  secretKey: string,
): Promise<{ signing: SigningKey; verifying: VerifyingKey }> {
  const bytes = Buffer.from(`jwt:${secretKey}`, 'utf8');
  const key = (await webcrypto.subtle.importKey(
    'raw',
    bytes,
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign', 'verify'],
  )) as CryptoKey;
  const kid = hmacKid(secretKey);
  return {
    signing: { kid, algorithm: 'HS256', key },
    verifying: { kid, algorithm: 'HS256', key: createSecretKey(bytes) },
  };
}
