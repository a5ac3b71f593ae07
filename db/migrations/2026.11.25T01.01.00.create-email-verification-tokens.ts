import type { Migration } from '../migrate.js';

/**
 * Email verification tokens, kept only as the SHA-256 of the random value mailed to the user.
 * A token proves ownership of `email` as it was when the link was sent: if the account's
 * address has changed since, the token no longer verifies anything.
 */
export const up: Migration = ({ context: sequelize }) =>
  sequelize.query(`
    CREATE TABLE email_verification_tokens (
      token_hash char(64) PRIMARY KEY,
      user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      email      citext NOT NULL,
      expires_at timestamptz NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX email_verification_tokens_user_idx ON email_verification_tokens (user_id);
  `);

export const down: Migration = ({ context: sequelize }) =>
  sequelize.query('DROP TABLE email_verification_tokens');
