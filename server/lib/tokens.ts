/** Random secrets and their at-rest form: only a SHA-256 of a token is ever stored. */
import { createHash, createHmac, randomBytes } from 'node:crypto';

/** 256 bits from the CSPRNG, URL-safe. */
export const randomToken = (bytes = 32): string => randomBytes(bytes).toString('base64url');

export const sha256Hex = (value: string): string =>
  createHash('sha256').update(value).digest('hex');

/** A keyed, deterministic derivation: the same inputs give the same output, unguessable without the key. */
export const hmacToken = (key: string, ...parts: string[]): string =>
  createHmac('sha256', key).update(parts.join('\u0000')).digest('base64url');
