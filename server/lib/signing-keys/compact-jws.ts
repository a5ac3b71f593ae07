/**
 * Verifies a compact JWS synchronously with node's crypto and a KeyObject. jose (which signs,
 * and handles JWKs) verifies through WebCrypto, whose every call is a job on libuv's thread pool:
 * behind a queue of scrypt hashes during a login flood, a read would wait for them. This keeps the
 * authenticated read on the event loop, as HMAC verification always was, for all four algorithms.
 *
 * It checks the signature only, with the key and algorithm `keyFor` picks from the header; the
 * caller checks the claims. A header with `crit` is refused (RFC 7515 4.1.11: no extension is
 * understood here), and so is any algorithm `keyFor` does not pin.
 */
import { createHmac, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import type { Algorithm } from './key-ring.js';

export class JwsError extends Error {
  override name = 'JwsError';
}

export interface JwsHeader {
  alg?: unknown;
  kid?: unknown;
  crit?: unknown;
}

const parseJson = (segment: string): unknown => {
  try {
    return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw new JwsError('malformed token');
  }
};

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function signatureMatches(
  algorithm: Algorithm,
  key: KeyObject,
  input: Buffer,
  signature: Buffer,
): boolean {
  switch (algorithm) {
    case 'HS256': {
      const expected = createHmac('sha256', key).update(input).digest();
      return expected.length === signature.length && timingSafeEqual(expected, signature);
    }
    case 'EdDSA':
      return verify(null, input, key, signature);
    case 'ES256':
      // JWS carries r‖s (RFC 7518 3.4), not DER.
      return verify('sha256', input, { key, dsaEncoding: 'ieee-p1363' }, signature);
    case 'RS256':
      return verify('sha256', input, key, signature);
  }
}

/** The payload of a token whose signature verifies with the key its header names. */
export function verifyCompactJws(
  token: string,
  keyFor: (header: JwsHeader) => { algorithm: Algorithm; key: KeyObject },
): Record<string, unknown> {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[0] || !parts[1] || !parts[2])
    throw new JwsError('malformed token');
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = parseJson(headerPart);
  if (!isObject(header)) throw new JwsError('malformed header');
  if (header.crit !== undefined) throw new JwsError('unsupported critical header');
  const { algorithm, key } = keyFor(header);
  if (header.alg !== algorithm) throw new JwsError('alg differs from its key');
  const input = Buffer.from(`${headerPart}.${payloadPart}`, 'ascii');
  const signature = Buffer.from(signaturePart, 'base64url');
  let valid: boolean;
  try {
    valid = signatureMatches(algorithm, key, input, signature);
  } catch {
    // A signature of the wrong length or encoding for the key.
    valid = false;
  }
  if (!valid) throw new JwsError('signature verification failed');
  const payload = parseJson(payloadPart);
  if (!isObject(payload)) throw new JwsError('malformed payload');
  return payload;
}
