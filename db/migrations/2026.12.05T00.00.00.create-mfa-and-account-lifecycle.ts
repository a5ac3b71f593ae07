import type { Migration } from '../migrate.js';

/**
 * Two-factor authentication and the account's own lifecycle:
 *
 * - totp_credentials: one TOTP secret per account, sealed (server/lib/secret-box.ts), never in
 *   clear. `enabled_at` is null until a first code confirms it. `last_used_step` is the 30-second
 *   step of the last code accepted: a code is accepted only for a later step, so a code (or an
 *   older one still inside the drift window) is never accepted twice, whichever instance sees it.
 * - recovery_codes: only an HMAC of each code; `used_at` makes each single use.
 * - email_change_tokens: only the SHA-256 of the token mailed to the new address; one pending
 *   change per account (a newer request replaces the older).
 * - activity_logs no longer cascade from users: a deleted account's entries stay for the audit
 *   trail, stripped of its personal data by the deletion itself.
 */
export const up: Migration = ({ context: sequelize }) =>
  sequelize.query(`
    CREATE TABLE totp_credentials (
      user_id        uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
      secret_sealed  text NOT NULL,
      enabled_at     timestamptz,
      last_used_step bigint,
      created_at     timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE recovery_codes (
      id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      code_hash  char(64) NOT NULL,
      used_at    timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX recovery_codes_user_idx ON recovery_codes (user_id);
    CREATE TABLE email_change_tokens (
      token_hash char(64) PRIMARY KEY,
      user_id    uuid NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
      new_email  citext NOT NULL,
      expires_at timestamptz NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    ALTER TABLE activity_logs DROP CONSTRAINT activity_logs_user_id_fkey;
  `);

export const down: Migration = ({ context: sequelize }) =>
  sequelize.query(`
    DELETE FROM activity_logs a WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = a.user_id);
    ALTER TABLE activity_logs ADD CONSTRAINT activity_logs_user_id_fkey
      FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE;
    DROP TABLE email_change_tokens;
    DROP TABLE recovery_codes;
    DROP TABLE totp_credentials;
  `);
