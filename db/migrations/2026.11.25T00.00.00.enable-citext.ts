import type { Migration } from '../migrate.js';

// Emails are compared without regard to letter case by the database itself (unique index).
export const up: Migration = ({ context: sequelize }) =>
  sequelize.query('CREATE EXTENSION IF NOT EXISTS citext');

export const down: Migration = ({ context: sequelize }) =>
  sequelize.query('DROP EXTENSION IF EXISTS citext');
