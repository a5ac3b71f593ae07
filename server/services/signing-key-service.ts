/**
 * Which key signs, and the operator's commands over the keys (`npm run cli -- keys ...`, the
 * staff API). The keys live in PostgreSQL; each process holds them in its KeyRing, which this
 * service fills at start and reloads from here (see key-ring.ts for how rotation spreads).
 */
import { AppError } from '../errors.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import { encryptPrivateKey } from '../lib/signing-keys/key-encryption.js';
import {
  generateKeyMaterial,
  importKeyMaterial,
  type AsymmetricAlgorithm,
  type KeyPairMaterial,
  type PublicJwk,
} from '../lib/signing-keys/key-material.js';
import {
  ACTIVATION_DELAY_MS,
  RELOAD_AFTER_MS,
  type Algorithm,
  type KeyRing,
} from '../lib/signing-keys/key-ring.js';
import type { DbTransaction, Repositories } from '../repositories/index.js';
import type { SigningKeyRecord } from '../repositories/signing-keys.js';
import { KeySetBuilder, keyStatus, publicJwkOf, type KeyStatus } from './signing-key-set.js';

export interface SigningKeySettings {
  secretKey: string;
  algorithm: Algorithm;
  /** JWT_PRIVATE_KEY: the operator's own key, which then always signs. */
  privateKeyPem: string | null;
  /** The longest any token lives: how long a superseded key keeps verifying. */
  maxTokenSeconds: number;
}

export interface SigningKeyView {
  kid: string;
  algorithm: string;
  status: KeyStatus;
  createdAt: Date;
  activatedAt: Date;
  supersededAt: Date | null;
  retiredAt: Date | null;
  publicJwk: PublicJwk;
}

const refused = (detail: string) => new AppError('VALIDATION_ERROR', { detail });

export class SigningKeyService {
  private readonly builder: KeySetBuilder;

  constructor(
    private readonly deps: {
      repositories: Pick<Repositories, 'signingKeys' | 'sessions'>;
      clock: Clock;
      logger: Logger;
      ring: KeyRing;
    },
    private readonly settings: SigningKeySettings,
  ) {
    this.builder = new KeySetBuilder(
      settings.secretKey,
      deps.ring.hmac,
      settings.algorithm !== 'HS256',
      settings.maxTokenSeconds,
    );
  }

  private get asymmetric(): AsymmetricAlgorithm | null {
    return this.settings.algorithm === 'HS256' ? null : this.settings.algorithm;
  }

  /**
   * At start: make sure a key of JWT_ALGORITHM signs (generating or importing it; under the lock,
   * so instances starting together add one key between them), then load the set. A stored key
   * that cannot be read stops the start.
   */
  async start(): Promise<void> {
    const algorithm = this.asymmetric;
    if (algorithm) {
      const imported = this.settings.privateKeyPem
        ? await importKeyMaterial(algorithm, this.settings.privateKeyPem).catch((error: Error) => {
            throw new AppError('VALIDATION_ERROR', { detail: `JWT_PRIVATE_KEY ${error.message}` });
          })
        : null;
      await this.deps.repositories.signingKeys.locked((transaction) =>
        this.ensureSigning(algorithm, imported, transaction),
      );
      this.deps.ring.setLoader(() => this.loadSet());
    }
    this.deps.ring.install(await this.loadSet());
  }

  async list(): Promise<SigningKeyView[]> {
    const now = this.deps.clock.now();
    const rows = await this.deps.repositories.signingKeys.all();
    return rows.map((row) => ({
      kid: row.kid,
      algorithm: row.algorithm,
      status: keyStatus(row, now, this.settings.maxTokenSeconds),
      createdAt: row.createdAt,
      activatedAt: row.activatedAt,
      supersededAt: row.supersededAt,
      retiredAt: row.retiredAt,
      publicJwk: publicJwkOf(row),
    }));
  }

  /**
   * A new key, published at once and signing from ACTIVATION_DELAY_MS on; the previous one keeps
   * verifying.
   */
  async rotate(): Promise<{ kid: string; previousKid: string | null; activatesAt: Date }> {
    const algorithm = this.asymmetric;
    if (!algorithm)
      throw refused('JWT_ALGORITHM is HS256: there is no key pair to rotate (SECRET_KEY signs).');
    if (this.settings.privateKeyPem)
      throw refused('JWT_PRIVATE_KEY is set: rotate by setting a new key there and restarting.');
    const material = await generateKeyMaterial(algorithm);
    const activatesAt = new Date(this.deps.clock.now().getTime() + ACTIVATION_DELAY_MS);
    const previousKid = await this.deps.repositories.signingKeys.locked(async (transaction) => {
      const current = await this.deps.repositories.signingKeys.current(transaction);
      await this.replaceSigning(current, material, transaction, activatesAt);
      return current?.kid ?? null;
    });
    await this.deps.ring.reload();
    return { kid: material.kid, previousKid, activatesAt };
  }

  /**
   * Stops a key verifying. A key whose refresh tokens may still be live logs their sessions out
   * at their next refresh, so that needs `force`.
   */
  async retire(kid: string, force: boolean): Promise<{ liveRefreshTokens: number }> {
    const { signingKeys, sessions } = this.deps.repositories;
    const row = await signingKeys.find(kid);
    if (!row) throw new AppError('NOT_FOUND', { detail: `No signing key ${kid}.` });
    if (row.retiredAt) return { liveRefreshTokens: 0 };
    const now = this.deps.clock.now();
    const status = keyStatus(row, now, this.settings.maxTokenSeconds);
    if (status === 'signing' || status === 'next' || !row.supersededAt)
      throw refused(`${kid} is the signing key: rotate first (keys rotate), then retire it.`);
    const signedUntil = new Date(row.supersededAt.getTime() + RELOAD_AFTER_MS);
    // Token times are whole seconds: the key's first second counts in full.
    const signedFrom = new Date(Math.floor(row.activatedAt.getTime() / 1000) * 1000);
    const live = await sessions.countLiveIssuedBetween(signedFrom, signedUntil, now);
    if (live > 0 && !force)
      throw refused(
        `${kid} may have signed ${live} live refresh token(s); retiring it signs their sessions out. Pass --force to retire it anyway.`,
      );
    await signingKeys.locked((transaction) => signingKeys.retire(kid, now, transaction));
    await this.deps.ring.reload();
    return { liveRefreshTokens: live };
  }

  private async loadSet() {
    const rows = await this.deps.repositories.signingKeys.all();
    return this.builder.build(rows, this.deps.clock.now());
  }

  private async ensureSigning(
    algorithm: AsymmetricAlgorithm,
    imported: KeyPairMaterial | null,
    transaction: DbTransaction,
  ): Promise<void> {
    const { signingKeys } = this.deps.repositories;
    const current = await signingKeys.current(transaction);
    if (imported) {
      if (current?.kid === imported.kid) return;
      const known = await signingKeys.find(imported.kid, transaction);
      if (!known) return this.replaceSigning(current, imported, transaction);
      if (known.retiredAt) throw refused(`JWT_PRIVATE_KEY is key ${known.kid}, which was retired.`);
      const now = this.deps.clock.now();
      if (current) await signingKeys.supersede(current.kid, now, transaction);
      return signingKeys.reactivate(known.kid, now, transaction);
    }
    // A change of JWT_ALGORITHM is a rotation: the old key keeps verifying its tokens.
    if (current?.algorithm === algorithm) return;
    await this.replaceSigning(current, await generateKeyMaterial(algorithm), transaction);
    this.deps.logger.info({ algorithm }, 'generated a new signing key');
  }

  private async replaceSigning(
    current: SigningKeyRecord | null,
    material: KeyPairMaterial,
    transaction: DbTransaction,
    activatedAt = this.deps.clock.now(),
  ): Promise<void> {
    const { signingKeys } = this.deps.repositories;
    const now = this.deps.clock.now();
    if (current) await signingKeys.supersede(current.kid, activatedAt, transaction);
    const { sealed, parameters } = encryptPrivateKey(
      this.settings.secretKey,
      Buffer.from(material.privatePem, 'utf8'),
      `${material.kid}.${material.algorithm}`,
    );
    await signingKeys.insert(
      {
        kid: material.kid,
        algorithm: material.algorithm,
        publicJwk: material.publicJwk,
        privateKey: sealed,
        encryption: parameters,
      },
      { now, activatedAt },
      transaction,
    );
  }
}
