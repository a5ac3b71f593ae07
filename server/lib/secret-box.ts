/**
 * Secrets the service must read back (TOTP secrets; signing keys may share it) are stored
 * sealed with AES-256-GCM under a key derived from SECRET_KEY, so a copy of the database alone
 * reveals none of them.
 *
 * - The key is derived with HKDF-SHA256 and a purpose label, never SECRET_KEY itself: the same
 *   secret also signs tokens, and a key used for one job only cannot be turned against another.
 * - Each seal has a fresh random 96-bit nonce (GCM's size); GCM's tag makes any change to the
 *   stored text an error on opening instead of a wrong secret.
 * - `context` (e.g. "totp:<user id>") is bound as associated data: a sealed value copied into
 *   another row does not open there.
 * - The stored form names its version ("v1."), so the scheme can change without a guess.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** The sealed text is not ours, was changed, or was sealed for another context or key. */
export class SecretBoxError extends Error {
  override name = 'SecretBoxError';
}

export class SecretBox {
  private readonly key: Buffer;

  /** `purpose` separates keys: boxes with different purposes cannot open each other's seals. */
  constructor(secretKey: string, purpose: string) {
    this.key = Buffer.from(hkdfSync('sha256', secretKey, '', `auth-service ${purpose}`, 32));
  }

  seal(plaintext: string, context: string): string {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, nonce, body, cipher.getAuthTag()]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.');
  }

  open(sealed: string, context: string): string {
    const [version, nonce, body, tag, ...rest] = sealed.split('.');
    if (version !== VERSION || nonce === undefined || body === undefined || !tag || rest.length)
      throw new SecretBoxError('not a sealed secret of this version');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(nonce, 'base64url'), {
        authTagLength: TAG_BYTES,
      });
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([
        decipher.update(Buffer.from(body, 'base64url')),
        decipher.final(),
      ]).toString('utf8');
    } catch (error) {
      throw new SecretBoxError('the sealed secret does not open with this key and context', {
        cause: error,
      });
    }
  }
}
