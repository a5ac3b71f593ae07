import type { Migration } from '../migrate.js';

/**
 * Asymmetric signing keys (JWT_ALGORITHM EdDSA, ES256 or RS256). The private part is stored
 * only encrypted (AES-256-GCM under a key derived from SECRET_KEY; `encryption` holds the
 * derivation's parameters). `kid` is the RFC 7638 thumbprint of the public key.
 *
 * A key signs from `activated_at` until `superseded_at` (a rotation), then only verifies until
 * every token it signed has expired or it is retired. The partial unique index lets at most one
 * key sign at a time, so two instances starting at once on an empty table cannot both add one.
 */
export const up: Migration = ({ context: sequelize }) =>
  sequelize.query(`
    CREATE TABLE signing_keys (
      kid           varchar(64) PRIMARY KEY,
      algorithm     varchar(16) NOT NULL CHECK (algorithm IN ('EdDSA', 'ES256', 'RS256')),
      public_jwk    jsonb NOT NULL,
      private_key   bytea NOT NULL,
      encryption    jsonb NOT NULL,
      created_at    timestamptz NOT NULL DEFAULT now(),
      activated_at  timestamptz NOT NULL,
      superseded_at timestamptz,
      retired_at    timestamptz
    );
    CREATE UNIQUE INDEX signing_keys_one_signing_idx ON signing_keys ((true))
      WHERE superseded_at IS NULL AND retired_at IS NULL;
  `);

export const down: Migration = ({ context: sequelize }) =>
  sequelize.query('DROP TABLE signing_keys');
