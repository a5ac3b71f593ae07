/**
 * The operator's commands, run as `npm run cli -- <command>` or, from the built image,
 * `node dist/server/cli.js <command>`:
 *
 *   createsuperuser [--email <email>] [--full-name <name>]
 *   changepassword <email>
 *   deactivate <email> [--force]
 *   deleteuser <email>
 *   migrate
 *   keys list | keys rotate | keys retire <kid> [--force]
 *
 * Exit code 0 on success, 1 on any failure (with one clear message on stderr), 130 on Ctrl+C.
 */
import { pathToFileURL } from 'node:url';
import { Command } from 'commander';
import {
  changePassword,
  createSuperuser,
  deactivate,
  deleteUser,
  migrate,
  PASSWORD_VARIABLE,
  type Console,
} from './cli/commands.js';
import { describeFailure } from './cli/errors.js';
import { listKeys, retireKey, rotateKeys } from './cli/key-commands.js';
import { openInput } from './cli/input.js';
import { loadCommandEnvironment } from './cli/runtime.js';

const terminal: Console = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** Runs one command with its input and environment; failures become a message and exit code. */
function action<A extends unknown[]>(
  run: (context: Parameters<typeof migrate>[0], ...args: A) => Promise<void>,
) {
  return async (...args: A) => {
    const input = openInput();
    try {
      await run({ environment: loadCommandEnvironment(), input, console: terminal }, ...args);
    } catch (error) {
      for (const line of describeFailure(error)) terminal.err(`Error: ${line}`);
      process.exitCode = (error as { exitCode?: number }).exitCode ?? 1;
    } finally {
      input.close();
    }
  };
}

export function buildProgram(): Command {
  const program = new Command()
    .name('cli')
    .description('auth-service administration commands')
    .showHelpAfterError()
    .allowExcessArguments(false);

  program
    .command('createsuperuser')
    .description(
      'Create a staff superuser (verified). Prompts on a terminal, the password hidden; ' +
        `otherwise reads missing values from stdin, one per line. The password may also come from ${PASSWORD_VARIABLE}.`,
    )
    .option('--email <email>', 'email address of the new superuser')
    .option('--full-name <name>', 'full name of the new superuser')
    .action(
      action((context, options: { email?: string; fullName?: string }) =>
        createSuperuser(context, options),
      ),
    );

  program
    .command('changepassword')
    .description(
      "Set a user's password (prompted twice, hidden, on a terminal; else one stdin line) and sign out every session",
    )
    .argument('<email>', 'email address of the account')
    .action(action((context, email: string) => changePassword(context, email)));

  program
    .command('deactivate')
    .description('Deactivate an account and revoke every session at once')
    .argument('<email>', 'email address of the account')
    .option('--force', 'deactivate even the last active superuser')
    .action(
      action((context, email: string, options: { force?: boolean }) =>
        deactivate(context, email, options),
      ),
    );

  program
    .command('deleteuser')
    .description('Delete an account and its personal data (as account/delete/ does)')
    .argument('<email>', 'email address of the account')
    .action(action((context, email: string) => deleteUser(context, email)));

  program
    .command('migrate')
    .description('Apply pending database migrations')
    .action(action((context) => migrate(context)));

  const keys = program
    .command('keys')
    .description('Signing keys for asymmetric JWT_ALGORITHM (see docs/tokens.md)');
  keys
    .command('list')
    .description('List the stored keys: kid, algorithm, status and dates')
    .action(action((context) => listKeys(context)));
  keys
    .command('rotate')
    .description('Make a new key the signing key; the previous one keeps verifying')
    .action(action((context) => rotateKeys(context)));
  keys
    .command('retire')
    .description('Stop accepting tokens signed with a key (not the signing key)')
    .argument('<kid>', 'the key id, as keys list shows it')
    .option('--force', 'retire even if live refresh tokens were signed with it')
    .action(
      action((context, kid: string, options: { force?: boolean }) =>
        retireKey(context, kid, options),
      ),
    );

  return program;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await buildProgram().parseAsync(process.argv);
  // Every command closes what it opened, but a dependency that failed half-way through start-up
  // may leave a pool or socket open; a command-line tool ends when its command does.
  process.exit(process.exitCode ?? 0);
}
