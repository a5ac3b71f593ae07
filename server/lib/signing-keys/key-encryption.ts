/**
 * The at-rest form of a private signing key: AES-256-GCM under a key derived from SECRET_KEY
 * with HKDF-SHA256 (SECRET_KEY is a high-entropy key, at least 32 random bytes in production,
 * so a fast extract-and-expand is the right derivation; a password KDF would only slow starts).
 * Each key row gets its own salt, and the parameters are stored beside the ciphertext, so a
 * later release can derive differently or re-encrypt under a new SECRET_KEY row by row. The
 * row's kid and algorithm are bound in as associated data: a ciphertext copied onto another row
 * does not decrypt.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { z } from 'zod';

const IV_BYTES = 12;
const TAG_BYTES = 16;

export const encryptionParameters = z.object({
  cipher: z.literal('aes-256-gcm'),
  kdf: z.literal('hkdf-sha256'),
  salt: z.string().min(16),
  info: z.string().min(1),
});
export type EncryptionParameters = z.infer<typeof encryptionParameters>;

export class KeyDecryptionError extends Error {
  override name = 'KeyDecryptionError';
}

function derive(secretKey: string, parameters: EncryptionParameters): Buffer {
  return Buffer.from(
    hkdfSync(
      'sha256',
      Buffer.from(secretKey, 'utf8'),
      Buffer.from(parameters.salt, 'base64url'),
      Buffer.from(parameters.info, 'utf8'),
      32,
    ),
  );
}

/** `iv ‖ tag ‖ ciphertext`, and the parameters to derive its key again. */
export function encryptPrivateKey(
  secretKey: string,
  plaintext: Buffer,
  associatedData: string,
): { sealed: Buffer; parameters: EncryptionParameters } {
  const parameters: EncryptionParameters = {
    cipher: 'aes-256-gcm',
    kdf: 'hkdf-sha256',
    salt: randomBytes(16).toString('base64url'),
    info: 'auth-service signing key v1',
  };
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', derive(secretKey, parameters), iv);
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { sealed: Buffer.concat([iv, cipher.getAuthTag(), ciphertext]), parameters };
}

export function decryptPrivateKey(
  secretKey: string,
  sealed: Buffer,
  storedParameters: unknown,
  associatedData: string,
): Buffer {
  const parameters = encryptionParameters.safeParse(storedParameters);
  if (!parameters.success) throw new KeyDecryptionError('unknown encryption parameters');
  if (sealed.length <= IV_BYTES + TAG_BYTES) throw new KeyDecryptionError('ciphertext too short');
  try {
    const decipher = createDecipheriv(
      'aes-256-gcm',
      derive(secretKey, parameters.data),
      sealed.subarray(0, IV_BYTES),
    );
    decipher.setAAD(Buffer.from(associatedData, 'utf8'));
    decipher.setAuthTag(sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([
      decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)),
      decipher.final(),
    ]);
  } catch {
    throw new KeyDecryptionError('does not decrypt with this SECRET_KEY (changed, or row corrupt)');
  }
}
