/**
 * Email verification tokens: only their SHA-256 is stored. A user has at most one live token;
 * consuming one is a single DELETE ... RETURNING, so of two requests racing with the same token
 * exactly one gets it.
 */
import { QueryTypes, type Sequelize } from 'sequelize';
import type { Models } from '../../db/models/index.js';
import type { DbTransaction } from './transaction.js';

export interface VerificationTokenClaim {
  userId: string;
  email: string;
  expiresAt: Date;
}

export function createEmailVerificationTokenRepository(
  sequelize: Sequelize,
  { EmailVerificationToken }: Models,
) {
  return {
    /** Stores a new token for the user, replacing any earlier one (older links stop working). */
    async replaceForUser(
      token: { tokenHash: string; userId: string; email: string; expiresAt: Date; at: Date },
      transaction?: DbTransaction,
    ): Promise<void> {
      await EmailVerificationToken.destroy({ where: { userId: token.userId }, transaction });
      await EmailVerificationToken.create(
        {
          tokenHash: token.tokenHash,
          userId: token.userId,
          email: token.email,
          expiresAt: token.expiresAt,
          createdAt: token.at,
        },
        { transaction },
      );
    },

    /** Removes the token and says whom it was for; null when there is no such token. */
    async consume(
      tokenHash: string,
      transaction?: DbTransaction,
    ): Promise<VerificationTokenClaim | null> {
      const rows = await sequelize.query<{ user_id: string; email: string; expires_at: Date }>(
        `DELETE FROM email_verification_tokens WHERE token_hash = $1
         RETURNING user_id, email, expires_at`,
        { bind: [tokenHash], type: QueryTypes.SELECT, transaction },
      );
      const row = rows[0];
      return row ? { userId: row.user_id, email: row.email, expiresAt: row.expires_at } : null;
    },
  };
}
