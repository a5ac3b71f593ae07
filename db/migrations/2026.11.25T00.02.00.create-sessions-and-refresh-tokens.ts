import type { Migration } from '../migrate.js';

export const up: Migration = ({ context: sequelize }) =>
  sequelize.query(`
    CREATE TABLE sessions (
      id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      created_at     timestamptz NOT NULL DEFAULT now(),
      last_used_at   timestamptz NOT NULL DEFAULT now(),
      expires_at     timestamptz NOT NULL,
      revoked_at     timestamptz,
      revoked_reason varchar(64),
      ip_address     inet,
      user_agent     text
    );
    CREATE INDEX sessions_user_active_idx ON sessions (user_id, created_at DESC) WHERE revoked_at IS NULL;

    CREATE TABLE refresh_tokens (
      id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      session_id  uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
      token_hash  varchar(64) NOT NULL,
      parent_id   uuid REFERENCES refresh_tokens (id) ON DELETE SET NULL,
      issued_at   timestamptz NOT NULL,
      expires_at  timestamptz NOT NULL,
      consumed_at timestamptz,
      revoked_at  timestamptz,
      CONSTRAINT refresh_tokens_token_hash_unique UNIQUE (token_hash)
    );
    CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id);
    CREATE INDEX refresh_tokens_parent_idx ON refresh_tokens (parent_id);
  `);

export const down: Migration = ({ context: sequelize }) =>
  sequelize.query('DROP TABLE refresh_tokens; DROP TABLE sessions;');
