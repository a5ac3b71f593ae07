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
import { Command, CommanderError } from 'commander';
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
import { openInput, type Input } from './cli/input.js';
import { loadCommandEnvironment, type CommandEnvironment } from './cli/runtime.js';

/** What a run reads and writes: the process's own streams, or a test's. */
export interface CliIo {
  /** Writes text as given (commander's usage and help included) to stdout / stderr. */
  out(text: string): void;
  err(text: string): void;
  environment(): CommandEnvironment;
  openInput(): Input;
}

const processIo: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  environment: () => loadCommandEnvironment(),
  openInput: () => openInput(),
};

type Context = Parameters<typeof migrate>[0];

/** A fresh program per run: commander keeps what it parsed on the command objects. */
function buildProgram(io: CliIo, fail: (exitCode: number) => void): Command {
  const lines: Console = {
    out: (line) => io.out(`${line}\n`),
    err: (line) => io.err(`${line}\n`),
  };
  /** Runs one command with its input and environment; failures become a message and exit code. */
  const action =
    <A extends unknown[]>(run: (context: Context, ...args: A) => Promise<void>) =>
    async (...args: A) => {
      const input = io.openInput();
      try {
        await run({ environment: io.environment(), input, console: lines }, ...args);
      } catch (error) {
        for (const line of describeFailure(error)) lines.err(`Error: ${line}`);
        fail((error as { exitCode?: number }).exitCode ?? 1);
      } finally {
        input.close();
      }
    };

  const program = new Command()
    .name('cli')
    .description('auth-service administration commands')
    .showHelpAfterError()
    .allowExcessArguments(false)
    // Subcommands inherit both: usage errors come back to runCli instead of exiting.
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });

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

/** Runs the command `args` names (without node and script) and resolves to its exit code. */
export async function runCli(args: readonly string[], io: CliIo = processIo): Promise<number> {
  let exitCode = 0;
  const program = buildProgram(io, (code) => (exitCode = code));
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (error) {
    // Usage errors and --help, already printed by commander.
    if (error instanceof CommanderError) return error.exitCode;
    throw error;
  }
  return exitCode;
}

// Started as a script (not imported by a test). No top-level await: a module with one cannot be
// loaded by require(), which test runners try first.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // Every command closes what it opened, but a dependency that failed half-way through start-up
  // may leave a pool or socket open; a command-line tool ends when its command does.
  void runCli(process.argv.slice(2)).then((exitCode) => process.exit(exitCode));
}
