/**
 * Password hashing with scrypt (scrypt-kdf's self-describing format: parameters, salt and an
 * HMAC in one string). The work runs on libuv's thread pool, never on the event loop, and at
 * most `concurrency` hashes run at once (see Semaphore).
 */
import * as scryptModule from 'scrypt-kdf';
import { Semaphore } from './semaphore.js';

export interface ScryptParameters {
  logN: number;
  r: number;
  p: number;
}

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
  /** True when the hash was made with weaker parameters than the configured ones. */
  needsRehash(hash: string): boolean;
  /** Spends the same work as a real verification, for unknown accounts. */
  verifyDummy(password: string): Promise<void>;
  readonly parameters: ScryptParameters;
}

// scrypt-kdf declares named exports, but at runtime it has a default export only.
const Scrypt = (scryptModule as unknown as { default: typeof scryptModule }).default;

const PREFIX = 'scrypt$';

export class ScryptPasswordHasher implements PasswordHasher {
  private readonly slots: Semaphore;
  private dummyHash: Promise<string> | undefined;

  constructor(
    readonly parameters: ScryptParameters,
    options: { concurrency: number; queueLimit: number },
  ) {
    this.slots = new Semaphore(options.concurrency, options.queueLimit);
  }

  async hash(password: string): Promise<string> {
    const key = await this.slots.run(() => Scrypt.kdf(password, this.parameters));
    return PREFIX + Buffer.from(key).toString('base64');
  }

  async verify(hash: string, password: string): Promise<boolean> {
    const key = decode(hash);
    if (!key) return false;
    return this.slots.run(() => Scrypt.verify(key, password));
  }

  needsRehash(hash: string): boolean {
    const key = decode(hash);
    if (!key) return true;
    const current = Scrypt.viewParams(key);
    return (
      current.logN < this.parameters.logN ||
      current.r < this.parameters.r ||
      current.p < this.parameters.p
    );
  }

  async verifyDummy(password: string): Promise<void> {
    this.dummyHash ??= this.hash(randomPlaceholder());
    await this.verify(await this.dummyHash, password);
  }

  /** Makes the dummy hash ahead of the first unknown-email login, so that one is not slower. */
  async warmUp(): Promise<void> {
    this.dummyHash ??= this.hash(randomPlaceholder());
    await this.dummyHash;
  }
}

function decode(hash: string): Uint8Array | null {
  if (!hash.startsWith(PREFIX)) return null;
  return new Uint8Array(Buffer.from(hash.slice(PREFIX.length), 'base64'));
}

function randomPlaceholder() {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString('base64');
}
