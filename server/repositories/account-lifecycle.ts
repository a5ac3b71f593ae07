/**
 * What the account's own lifecycle stores beside the user row: pending email changes (only the
 * SHA-256 of the token mailed to the new address; one per account, consumed by a single
 * DELETE ... RETURNING so two confirmations race to one winner), and the erasure of a deleted
 * account's personal data from the rows that outlive it (activity entries, queued mail).
 */
import { QueryTypes, type Sequelize } from 'sequelize';
import type { DbTransaction } from './transaction.js';

export interface EmailChangeClaim {
  userId: string;
  newEmail: string;
  expiresAt: Date;
}

export function createAccountLifecycleRepository(sequelize: Sequelize) {
  return {
    /** Stores the pending change, replacing an older one (its link stops working). */
    async replaceEmailChange(
      change: { tokenHash: string; userId: string; newEmail: string; expiresAt: Date; at: Date },
      transaction: DbTransaction,
    ): Promise<void> {
      await sequelize.query(
        `INSERT INTO email_change_tokens (token_hash, user_id, new_email, expires_at, created_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (user_id) DO UPDATE SET token_hash = $1, new_email = $3, expires_at = $4,
           created_at = $5`,
        {
          bind: [change.tokenHash, change.userId, change.newEmail, change.expiresAt, change.at],
          transaction,
        },
      );
    },

    async consumeEmailChange(
      tokenHash: string,
      transaction: DbTransaction,
    ): Promise<EmailChangeClaim | null> {
      const rows = await sequelize.query<{ user_id: string; new_email: string; expires_at: Date }>(
        `DELETE FROM email_change_tokens WHERE token_hash = $1
         RETURNING user_id, new_email::text AS new_email, expires_at`,
        { bind: [tokenHash], type: QueryTypes.SELECT, transaction },
      );
      const row = rows[0];
      return row
        ? { userId: row.user_id, newEmail: row.new_email, expiresAt: row.expires_at }
        : null;
    },

    /**
     * Keeps a deleted account's activity entries for the audit trail, without what identifies
     * the person: the IP, the user agent, and any email or name in the metadata.
     */
    async eraseActivityPersonalData(userId: string, transaction: DbTransaction): Promise<void> {
      await sequelize.query(
        `UPDATE activity_logs SET ip_address = NULL, user_agent = NULL,
           metadata = metadata - ARRAY['email', 'old_email', 'new_email', 'full_name', 'name']
         WHERE user_id = $1`,
        { bind: [userId], transaction },
      );
    },

    /** Drops mail still queued for the address (delivered mail is kept only as a record). */
    async dropQueuedMail(recipient: string, transaction: DbTransaction): Promise<void> {
      await sequelize.query(`DELETE FROM email_outbox WHERE lower(recipient) = lower($1)`, {
        bind: [recipient],
        transaction,
      });
    },
  };
}
