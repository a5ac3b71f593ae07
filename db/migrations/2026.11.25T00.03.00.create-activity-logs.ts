import type { Migration } from '../migrate.js';

export const up: Migration = ({ context: sequelize }) =>
  sequelize.query(`
    CREATE TABLE activity_logs (
      id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      action     varchar(64) NOT NULL,
      ip_address inet,
      user_agent text,
      metadata   jsonb NOT NULL DEFAULT '{}'::jsonb,
      created_at timestamptz NOT NULL DEFAULT now()
    );
    -- Newest-first pages of one user's log, and filtering by action within them.
    CREATE INDEX activity_logs_user_time_idx ON activity_logs (user_id, created_at DESC, id DESC);
  `);

export const down: Migration = ({ context: sequelize }) =>
  sequelize.query('DROP TABLE activity_logs');
