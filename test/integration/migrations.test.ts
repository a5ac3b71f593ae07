/**
 * Migrations are reversible: on a scratch database they go up, all the way down and up again,
 * and every down step restores exactly the schema that was there before its up step.
 */
import { expect } from 'chai';
import pg from 'pg';
import { Sequelize } from 'sequelize';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../db/embedded.js';
import { createMigrator } from '../../db/migrate.js';
import { TEST_DATABASE } from '../helpers/run-id.js';
import { testEnvironment } from '../setup.js';
import { runToEnd, tsxArgs } from '../helpers/spawn-service.js';

const SCRATCH = `${TEST_DATABASE}_migrations`;
const APP_TABLES = ['activity_logs', 'refresh_tokens', 'sessions', 'users'];

/** The migrations need only a connection; the models play no part in them. */
interface Database {
  sequelize: Sequelize;
}

async function adminQuery(adminUrl: string, sql: string) {
  const client = new pg.Client({ connectionString: `${adminUrl}/postgres` });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** What a migration can change: tables, columns, indexes, constraints, extensions. */
async function schemaSnapshot(database: Database): Promise<string[]> {
  const [rows] = (await database.sequelize.query(`
    SELECT 'table ' || table_name || '.' || column_name || ' ' || data_type || ' ' ||
           is_nullable || ' ' || coalesce(column_default, '') AS item
      FROM information_schema.columns WHERE table_schema = 'public'
    UNION ALL
    SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'public'
    UNION ALL
    SELECT 'constraint ' || conrelid::regclass || ' ' || pg_get_constraintdef(oid)
      FROM pg_constraint WHERE connamespace = 'public'::regnamespace
    UNION ALL
    SELECT 'extension ' || extname FROM pg_extension WHERE extname <> 'plpgsql'
    ORDER BY 1`)) as [Array<{ item: string }>, unknown];
  return rows.map((row) => row.item);
}

async function tables(database: Database): Promise<string[]> {
  const [rows] = (await database.sequelize.query(
    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
  )) as [Array<{ tablename: string }>, unknown];
  return rows.map((row) => row.tablename);
}

async function hasCitext(database: Database): Promise<boolean> {
  const [rows] = (await database.sequelize.query(
    "SELECT 1 FROM pg_extension WHERE extname = 'citext'",
  )) as [unknown[], unknown];
  return rows.length === 1;
}

describe('database migrations', function () {
  this.timeout(30_000);
  let scratchUrl: string;
  let database: Database;
  let adminUrl: string | null;
  let embedded: EmbeddedPostgres | undefined;

  before(async () => {
    adminUrl = testEnvironment().adminDatabaseUrl;
    if (adminUrl) {
      await adminQuery(adminUrl, `DROP DATABASE IF EXISTS "${SCRATCH}" WITH (FORCE)`);
      await adminQuery(adminUrl, `CREATE DATABASE "${SCRATCH}"`);
      scratchUrl = `${adminUrl}/${SCRATCH}`;
    } else {
      // No administrative connection (TEST_DATABASE_URL or no local server): a throwaway PGlite.
      embedded = await startEmbeddedPostgres('memory');
      scratchUrl = embedded.url;
    }
    database = { sequelize: new Sequelize(scratchUrl, { dialect: 'postgres', logging: false }) };
  });

  after(async () => {
    await database?.sequelize.close();
    await embedded?.stop();
    if (adminUrl) await adminQuery(adminUrl, `DROP DATABASE IF EXISTS "${SCRATCH}" WITH (FORCE)`);
  });

  it('go up, all the way down and up again, leaving the same schema', async () => {
    const migrator = createMigrator(database.sequelize);
    expect(await hasCitext(database)).to.equal(false);

    await migrator.up();
    expect(await tables(database)).to.include.members([...APP_TABLES, 'schema_migrations']);
    expect(await hasCitext(database)).to.equal(true);
    expect(await migrator.pending()).to.deep.equal([]);
    const migrated = await schemaSnapshot(database);

    await migrator.down({ to: 0 });
    expect(await tables(database)).to.deep.equal(['schema_migrations']);
    expect(await hasCitext(database)).to.equal(false);
    expect(await migrator.executed()).to.deep.equal([]);

    await migrator.up();
    expect(await tables(database)).to.include.members([...APP_TABLES, 'schema_migrations']);
    expect(await hasCitext(database)).to.equal(true);
    expect(await schemaSnapshot(database)).to.deep.equal(migrated);
  });

  it('undo exactly what each step did, one step at a time', async () => {
    const migrator = createMigrator(database.sequelize);
    await migrator.down({ to: 0 });
    const all = await migrator.pending();
    expect(all.length).to.be.at.least(4);

    // Snapshot before each step on the way up...
    const before: string[][] = [];
    for (const migration of all) {
      before.push(await schemaSnapshot(database));
      const [applied] = await migrator.up({ step: 1 });
      expect(applied?.name).to.equal(migration.name);
      expect(await schemaSnapshot(database), `${migration.name} changed nothing`).not.to.deep.equal(
        before.at(-1),
      );
    }
    // ...and each step down must bring back the matching snapshot.
    for (let index = all.length - 1; index >= 0; index -= 1) {
      const [reverted] = await migrator.down({ step: 1 });
      expect(reverted?.name).to.equal(all[index]!.name);
      expect(await schemaSnapshot(database), `down of ${all[index]!.name}`).to.deep.equal(
        before[index],
      );
    }
    await migrator.up();
  });

  it('run as commands: `npm run migrate` applies them, `db/migrate.ts status` lists them', async () => {
    await createMigrator(database.sequelize).down({ to: 0 });
    const settings = { NODE_ENV: 'development', DATABASE_URL: scratchUrl };

    const up = await runToEnd(['run', '--silent', 'migrate'], settings, 30_000, 'npm');
    expect(up.code, up.stderr).to.equal(0);
    expect(up.stdout).to.match(/migrated: .*create-users/);
    expect(await tables(database)).to.include.members(APP_TABLES);

    const status = await runToEnd(tsxArgs('db/migrate.ts', 'status'), settings, 20_000);
    expect(status.code, status.stderr).to.equal(0);
    const executed = /^executed: (.*)$/m.exec(status.stdout)?.[1]?.split(', ') ?? [];
    expect(executed).to.include.members([
      '2026.11.25T00.00.00.enable-citext',
      '2026.11.25T00.01.00.create-users',
      '2026.11.25T00.02.00.create-sessions-and-refresh-tokens',
      '2026.11.25T00.03.00.create-activity-logs',
    ]);
    expect(status.stdout).to.match(/^pending: none$/m);
  });

  it('reports a bad DATABASE_URL in one line and exits non-zero', async () => {
    const result = await runToEnd(
      tsxArgs('db/migrate.ts', 'status'),
      { NODE_ENV: 'development', DATABASE_URL: 'mysql://nope' },
      20_000,
    );
    expect(result.code).to.equal(1);
    expect(result.stderr.trim().split('\n')).to.have.length(1);
    expect(result.stderr).to.match(/DATABASE_URL/);
  });
});
