/**
 * One statement that empties every table but the migration ledger: how test suites (the
 * project's own and the testing kit's) start each test from a migrated, empty database in
 * milliseconds instead of migrating again.
 */
import type { Sequelize } from 'sequelize';

export async function emptyingStatement(sequelize: Sequelize): Promise<string> {
  const [tables] = (await sequelize.query(
    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'",
  )) as [Array<{ tablename: string }>, unknown];
  return `TRUNCATE ${tables.map((table) => `"${table.tablename}"`).join(', ')} RESTART IDENTITY CASCADE`;
}
