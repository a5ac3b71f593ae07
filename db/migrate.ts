/**
 * The migration runner (umzug). Used by `npm run migrate`, by the tests, by the service when
 * MIGRATE_ON_START is set, and by the container's migrate command.
 */
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Sequelize } from 'sequelize';
import { SequelizeStorage, Umzug, type MigrationFn } from 'umzug';

export type Migration = MigrationFn<Sequelize>;

const migrationsDirectory = dirname(fileURLToPath(import.meta.url));

export function createMigrator(sequelize: Sequelize, log: (message: string) => void = () => {}) {
  return new Umzug<Sequelize>({
    migrations: {
      // Source files under tsx, compiled files under node; never both, never declarations.
      glob: [
        'migrations/*.{ts,js}',
        { cwd: migrationsDirectory, ignore: ['**/*.d.ts', '**/*.map'] },
      ],
      resolve: ({ name, path, context }) => {
        const load = () => import(pathToFileURL(path!).href) as Promise<Record<string, Migration>>;
        return {
          name: name.replace(/\.(ts|js)$/, ''),
          up: async () => (await load()).up!({ name, path, context }),
          down: async () => (await load()).down!({ name, path, context }),
        };
      },
    },
    context: sequelize,
    storage: new SequelizeStorage({ sequelize, tableName: 'schema_migrations' }),
    logger: {
      info: (event) => log(describe(event)),
      warn: (event) => log(describe(event)),
      error: (event) => log(describe(event)),
      debug: () => {},
    },
  });
}

function describe(event: Record<string, unknown>) {
  return `${event.event ?? 'migration'}: ${event.name ?? JSON.stringify(event)}`;
}

async function main(command: string | undefined) {
  const { loadConfig, ConfigError } = await import('../server/config/index.js');
  const { openDatabase } = await import('../server/database.js');
  let database;
  try {
    database = await openDatabase(loadConfig(), { command: true });
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const migrator = createMigrator(database.sequelize, (line) => console.log(line));
  try {
    if (command === 'down') await migrator.down();
    else if (command === 'down:all') await migrator.down({ to: 0 });
    else if (command === 'status') {
      console.log('executed:', (await migrator.executed()).map((m) => m.name).join(', ') || 'none');
      console.log('pending:', (await migrator.pending()).map((m) => m.name).join(', ') || 'none');
    } else if (command === 'up' || command === undefined) await migrator.up();
    else throw new Error(`unknown command "${command}" (use up, down, down:all or status)`);
  } finally {
    await database.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv[2]).catch((error: Error) => {
    console.error(`migration failed: ${error.message}`);
    process.exit(1);
  });
}
