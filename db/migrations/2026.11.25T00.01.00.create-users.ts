import type { Migration } from '../migrate.js';

export const up: Migration = ({ context: sequelize }) =>
  sequelize.query(`
    CREATE TABLE users (
      id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      email         citext NOT NULL,
      full_name     varchar(255) NOT NULL,
      password_hash text NOT NULL,
      is_active     boolean NOT NULL DEFAULT true,
      is_staff      boolean NOT NULL DEFAULT false,
      is_superuser  boolean NOT NULL DEFAULT false,
      is_verified   boolean NOT NULL DEFAULT false,
      last_login    timestamptz,
      last_login_ip inet,
      created_at    timestamptz NOT NULL DEFAULT now(),
      updated_at    timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT users_email_unique UNIQUE (email)
    );
    CREATE INDEX users_created_at_idx ON users (created_at DESC, id DESC);
  `);

export const down: Migration = ({ context: sequelize }) => sequelize.query('DROP TABLE users');
