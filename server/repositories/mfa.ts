/**
 * Second factors: the TOTP credential of an account (its sealed secret, whether it is on, the
 * step of the last code accepted) and its recovery codes (HMACs only). Every "use" is one
 * conditional UPDATE, so of two requests racing with the same code exactly one wins.
 */
import { QueryTypes, type Sequelize } from 'sequelize';
import type { DbTransaction } from './transaction.js';

export interface TotpCredentialRecord {
  userId: string;
  secretSealed: string;
  enabledAt: Date | null;
  lastUsedStep: number | null;
}

interface TotpRow {
  user_id: string;
  secret_sealed: string;
  enabled_at: Date | null;
  last_used_step: string | null;
}

const toRecord = (row: TotpRow): TotpCredentialRecord => ({
  userId: row.user_id,
  secretSealed: row.secret_sealed,
  enabledAt: row.enabled_at,
  lastUsedStep: row.last_used_step === null ? null : Number(row.last_used_step),
});

export function createMfaRepository(sequelize: Sequelize) {
  const select = <Row extends object>(sql: string, bind: unknown[], transaction?: DbTransaction) =>
    sequelize.query<Row>(sql, { bind, type: QueryTypes.SELECT, transaction });

  return {
    async findTotp(userId: string, transaction?: DbTransaction, options: { lock?: boolean } = {}) {
      const rows = await select<TotpRow>(
        `SELECT * FROM totp_credentials WHERE user_id = $1${options.lock ? ' FOR UPDATE' : ''}`,
        [userId],
        transaction,
      );
      return rows[0] ? toRecord(rows[0]) : null;
    },

    /** A new, not yet enabled secret; replaces a pending one, never an enabled one. */
    async savePendingTotp(userId: string, secretSealed: string, at: Date): Promise<boolean> {
      const rows = await select<TotpRow>(
        `INSERT INTO totp_credentials (user_id, secret_sealed, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (user_id) DO UPDATE SET secret_sealed = $2, created_at = $3, last_used_step = NULL
           WHERE totp_credentials.enabled_at IS NULL
         RETURNING *`,
        [userId, secretSealed, at],
      );
      return rows.length === 1;
    },

    /**
     * Records that the code of `step` was accepted, if no code of this or a later step was;
     * `enable` also turns the credential on (the first code confirms the setup), only while its
     * secret is still `secretSealed`, the one the code was checked against (a setup racing with
     * the confirmation cannot switch on a secret the user's app does not hold).
     */
    async useTotpStep(
      userId: string,
      step: number,
      options: { enable?: Date; secretSealed?: string } = {},
      transaction?: DbTransaction,
    ): Promise<boolean> {
      const rows = await select<TotpRow>(
        `UPDATE totp_credentials SET last_used_step = $2,
           enabled_at = CASE WHEN $3::timestamptz IS NULL THEN enabled_at ELSE $3::timestamptz END
         WHERE user_id = $1 AND (last_used_step IS NULL OR last_used_step < $2)
           AND (enabled_at IS NULL) = ($3::timestamptz IS NOT NULL)
           AND ($4::text IS NULL OR secret_sealed = $4::text)
         RETURNING user_id`,
        [userId, step, options.enable ?? null, options.secretSealed ?? null],
        transaction,
      );
      return rows.length === 1;
    },

    async deleteTotp(userId: string, transaction?: DbTransaction): Promise<void> {
      await sequelize.query('DELETE FROM totp_credentials WHERE user_id = $1', {
        bind: [userId],
        transaction,
      });
      await sequelize.query('DELETE FROM recovery_codes WHERE user_id = $1', {
        bind: [userId],
        transaction,
      });
    },

    /** The account's recovery codes become exactly these (the old ones die). */
    async replaceRecoveryCodes(
      userId: string,
      codeHashes: string[],
      at: Date,
      transaction: DbTransaction,
    ): Promise<void> {
      await sequelize.query('DELETE FROM recovery_codes WHERE user_id = $1', {
        bind: [userId],
        transaction,
      });
      await sequelize.query(
        `INSERT INTO recovery_codes (user_id, code_hash, created_at)
         SELECT $1, unnest($2::text[]), $3`,
        { bind: [userId, codeHashes, at], transaction },
      );
    },

    /** Marks the unused code with this hash used; false when there is none. */
    async useRecoveryCode(
      userId: string,
      codeHash: string,
      at: Date,
      transaction?: DbTransaction,
    ): Promise<boolean> {
      const rows = await select<{ id: string }>(
        `UPDATE recovery_codes SET used_at = $3
         WHERE id = (SELECT id FROM recovery_codes
                     WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL LIMIT 1)
           AND used_at IS NULL
         RETURNING id`,
        [userId, codeHash, at],
        transaction,
      );
      return rows.length === 1;
    },

    async countUnusedRecoveryCodes(userId: string): Promise<number> {
      const rows = await select<{ count: string }>(
        'SELECT count(*) AS count FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL',
        [userId],
      );
      return Number(rows[0]?.count ?? 0);
    },
  };
}
