/**
 * Signing keys (db/migrations/*create-signing-keys.ts). Changes to which key signs run under
 * one transaction-scoped advisory lock, so instances starting or rotating at the same moment
 * take turns and see each other's key; the partial unique index is the backstop.
 */
import { QueryTypes, type Sequelize } from 'sequelize';
import type { DbTransaction } from './transaction.js';

export interface SigningKeyRecord {
  kid: string;
  algorithm: 'EdDSA' | 'ES256' | 'RS256';
  publicJwk: unknown;
  privateKey: Buffer;
  encryption: unknown;
  createdAt: Date;
  activatedAt: Date;
  supersededAt: Date | null;
  retiredAt: Date | null;
}

const COLUMNS = `kid, algorithm, public_jwk AS "publicJwk", private_key AS "privateKey",
  encryption, created_at AS "createdAt", activated_at AS "activatedAt",
  superseded_at AS "supersededAt", retired_at AS "retiredAt"`;

/** Any constant shared by every instance; names the lock in pg_locks for an operator. */
const LOCK_KEY = 'auth-service:signing-keys';

export function createSigningKeyRepository(sequelize: Sequelize) {
  const select = (where: string, transaction?: DbTransaction, replacements = {}) =>
    sequelize.query<SigningKeyRecord>(`SELECT ${COLUMNS} FROM signing_keys ${where}`, {
      type: QueryTypes.SELECT,
      replacements,
      transaction,
    });

  return {
    /** Runs `work` in a transaction holding the signing-key lock. */
    async locked<T>(work: (transaction: DbTransaction) => Promise<T>): Promise<T> {
      return sequelize.transaction(async (transaction) => {
        await sequelize.query('SELECT pg_advisory_xact_lock(hashtext(:key))', {
          replacements: { key: LOCK_KEY },
          transaction,
        });
        return work(transaction);
      });
    },

    /** Every key, newest first. */
    all(transaction?: DbTransaction): Promise<SigningKeyRecord[]> {
      return select('ORDER BY activated_at DESC, created_at DESC', transaction);
    },

    async current(transaction?: DbTransaction): Promise<SigningKeyRecord | null> {
      const [row] = await select('WHERE superseded_at IS NULL AND retired_at IS NULL', transaction);
      return row ?? null;
    },

    async find(kid: string, transaction?: DbTransaction): Promise<SigningKeyRecord | null> {
      const [row] = await select('WHERE kid = :kid', transaction, { kid });
      return row ?? null;
    },

    async insert(
      key: Pick<SigningKeyRecord, 'kid' | 'algorithm' | 'publicJwk' | 'privateKey' | 'encryption'>,
      times: { now: Date; activatedAt: Date },
      transaction: DbTransaction,
    ): Promise<void> {
      await sequelize.query(
        `INSERT INTO signing_keys (kid, algorithm, public_jwk, private_key, encryption, created_at, activated_at)
         VALUES (:kid, :algorithm, :publicJwk, :privateKey, :encryption, :now, :activatedAt)`,
        {
          replacements: {
            ...key,
            publicJwk: JSON.stringify(key.publicJwk),
            encryption: JSON.stringify(key.encryption),
            ...times,
          },
          transaction,
        },
      );
    },

    /** Makes a stored key (an imported one seen before) the signing key again. */
    async reactivate(kid: string, now: Date, transaction: DbTransaction): Promise<void> {
      await sequelize.query(
        'UPDATE signing_keys SET superseded_at = NULL, activated_at = :now WHERE kid = :kid',
        { replacements: { kid, now }, transaction },
      );
    },

    async supersede(kid: string, now: Date, transaction: DbTransaction): Promise<void> {
      await sequelize.query('UPDATE signing_keys SET superseded_at = :now WHERE kid = :kid', {
        replacements: { kid, now },
        transaction,
      });
    },

    async retire(kid: string, now: Date, transaction: DbTransaction): Promise<void> {
      await sequelize.query(
        'UPDATE signing_keys SET retired_at = :now, superseded_at = COALESCE(superseded_at, :now) WHERE kid = :kid',
        { replacements: { kid, now }, transaction },
      );
    },
  };
}

export type SigningKeyRepository = ReturnType<typeof createSigningKeyRepository>;
