/**
 * The keys of one process, in memory: the one that signs, every one that may verify (by `kid`),
 * and the JWKS document, serialised once. The hot path reads a Map; PostgreSQL is read only when
 * the set is older than RELOAD_AFTER_MS (in the background, so no request waits for it) or when
 * a token names a kid this process has not seen (a key another instance has just rotated in;
 * awaited, and at most once per UNKNOWN_KID_RELOAD_MS so forged kids cannot flood the database).
 *
 * So after `keys rotate` every instance publishes and verifies the new key within RELOAD_AFTER_MS
 * (at once for a token that names it), and signs with it from ACTIVATION_DELAY_MS on (up to
 * RELOAD_AFTER_MS later); after `keys retire` it refuses the old key within RELOAD_AFTER_MS.
 */
import type { KeyObject } from 'node:crypto';
import type { CryptoKey } from 'jose';
import type { Clock } from '../clock.js';
import type { PublicJwk } from './key-material.js';

export type Algorithm = 'HS256' | 'EdDSA' | 'ES256' | 'RS256';

/** A key that signs (jose signs with WebCrypto keys). */
export interface SigningKey {
  kid: string;
  algorithm: Algorithm;
  key: CryptoKey;
}

/** A key that verifies (synchronously, with node's crypto: see compact-jws.ts). */
export interface VerifyingKey {
  kid: string;
  /** The one algorithm this key is accepted with. */
  algorithm: Algorithm;
  key: KeyObject;
}

export interface KeySet {
  signing: SigningKey;
  verifying: VerifyingKey[];
  /** What `/.well-known/jwks.json` lists. */
  published: PublicJwk[];
}

export const RELOAD_AFTER_MS = 10_000;
/**
 * How long after `keys rotate` the new key starts signing: every instance with traffic has it in
 * its JWKS within RELOAD_AFTER_MS, and a verifier that fetched the JWKS just before that may
 * fetch again after its cool-down (jose's createRemoteJWKSet: 30 s), both before any token
 * names the key.
 */
export const ACTIVATION_DELAY_MS = RELOAD_AFTER_MS + 30_000 + 20_000;
const UNKNOWN_KID_RELOAD_MS = 1000;

export class KeyRing {
  private signingKey: SigningKey;
  private verifying = new Map<string, VerifyingKey>();
  private jwksBody = '{"keys":[]}';
  private loadedAtMs: number;
  private lastUnknownReloadMs = -Infinity;
  private loader: (() => Promise<KeySet>) | null = null;
  private reloading: Promise<void> | null = null;
  private readonly listeners: Array<() => void> = [];

  constructor(
    private readonly clock: Clock,
    /** SECRET_KEY's HS256 key: signs under HS256, and verifies tokens that name no key. */
    readonly hmac: { signing: SigningKey; verifying: VerifyingKey },
    private readonly onReloadError: (error: Error) => void = () => {},
  ) {
    this.signingKey = hmac.signing;
    this.loadedAtMs = clock.now().getTime();
    this.install({ signing: hmac.signing, verifying: [hmac.verifying], published: [] });
  }

  /** Where fresh sets come from (the signing-key service, over PostgreSQL). */
  setLoader(loader: () => Promise<KeySet>): void {
    this.loader = loader;
  }

  /** Called whenever the set changes (the verified-token cache forgets what it remembered). */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  install(set: KeySet): void {
    const before = [...this.verifying.keys()].join();
    this.signingKey = set.signing;
    this.verifying = new Map(set.verifying.map((key) => [key.kid, key]));
    this.jwksBody = JSON.stringify({ keys: set.published });
    this.loadedAtMs = this.clock.now().getTime();
    if ([...this.verifying.keys()].join() !== before)
      for (const listener of this.listeners) listener();
  }

  signing(): SigningKey {
    this.reloadIfStale();
    return this.signingKey;
  }

  jwks(): string {
    this.reloadIfStale();
    return this.jwksBody;
  }

  /** The key named `kid`, from memory. */
  find(kid: string): VerifyingKey | undefined {
    this.reloadIfStale();
    return this.verifying.get(kid);
  }

  /**
   * For a kid not known here: reloads (at most once per UNKNOWN_KID_RELOAD_MS, or joins the
   * reload under way) and says whether the kid is known now.
   */
  async learn(kid: string): Promise<boolean> {
    if (!this.loader) return false;
    const now = this.clock.now().getTime();
    if (now - this.lastUnknownReloadMs >= UNKNOWN_KID_RELOAD_MS) {
      this.lastUnknownReloadMs = now;
      await this.reload();
    } else if (this.reloading) {
      await this.reloading;
    }
    return this.verifying.has(kid);
  }

  /** Reloads now (single flight); errors are reported, the current set stays. */
  reload(): Promise<void> {
    if (!this.loader) return Promise.resolve();
    const loader = this.loader;
    this.reloading ??= loader()
      .then((set) => this.install(set))
      .catch((error: Error) => {
        // Keep serving with the set in hand; try again after the usual interval, not per request.
        this.loadedAtMs = this.clock.now().getTime();
        this.onReloadError(error);
      })
      .finally(() => {
        this.reloading = null;
      });
    return this.reloading;
  }

  private reloadIfStale(): void {
    if (this.loader && this.clock.now().getTime() - this.loadedAtMs >= RELOAD_AFTER_MS)
      void this.reload();
  }
}
