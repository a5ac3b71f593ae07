/**
 * The operator's commands. Each gathers its input (flags, the environment, prompts or stdin
 * lines), then calls the account service the API uses, and prints one line of outcome.
 */
import { createMigrator } from '../../db/migrate.js';
import { openDatabase } from '../database.js';
import { emailField } from '../schemas/common.js';
import { fullNameField } from '../schemas/person-name.js';
import type { AccountService } from '../services/account-service.js';
import { CommandError, describeFailure } from './errors.js';
import type { Input } from './input.js';
import { withDependencies, type CommandEnvironment } from './runtime.js';

/** How often a person at a terminal may retry a rejected answer. */
const ATTEMPTS = 3;
export const PASSWORD_VARIABLE = 'AUTH_SUPERUSER_PASSWORD';

export interface Console {
  out(line: string): void;
  err(line: string): void;
}

interface CommandContext {
  environment: CommandEnvironment;
  input: Input;
  console: Console;
}

/**
 * Asks until `check` returns no problems. On a terminal the problems are shown and the question
 * asked again (up to ATTEMPTS times); from a script the first rejection is final.
 */
async function askValid(
  context: CommandContext,
  ask: () => Promise<string>,
  check: (answer: string) => Promise<string[]> | string[],
): Promise<string> {
  for (let attempt = 1; ; attempt += 1) {
    const answer = await ask();
    const problems = await check(answer);
    if (!problems.length) return answer;
    if (!context.input.interactive || attempt >= ATTEMPTS)
      throw new CommandError(problems.join('\n'));
    for (const problem of problems) context.console.err(`Error: ${problem}`);
  }
}

const parseEmail = (value: string) => {
  const parsed = emailField.safeParse(value);
  return parsed.success
    ? { email: parsed.data, problems: [] as string[] }
    : { email: '', problems: ['Enter a valid email address.'] };
};

/** The API's own rules for a name, in its own words (one message per broken rule). */
const fullNameProblems = (value: string) => {
  const parsed = fullNameField.safeParse(value);
  return parsed.success ? [] : parsed.error.issues.map((issue) => issue.message);
};

/** A new password: the hidden prompt twice on a terminal, else one stdin line. */
async function askNewPassword(
  context: CommandContext,
  accounts: AccountService,
  about: { email: string; fullName?: string },
): Promise<string> {
  return askValid(
    context,
    async () => {
      const password = await context.input.ask('Password: ', { hidden: true });
      if (!context.input.interactive) return password;
      const again = await context.input.ask('Password (again): ', { hidden: true });
      return password === again ? password : '\u0000mismatch';
    },
    (password) =>
      password === '\u0000mismatch'
        ? ["Your passwords didn't match."]
        : accounts.passwordProblems(password, about),
  );
}

export async function createSuperuser(
  context: CommandContext,
  options: { email?: string; fullName?: string },
): Promise<void> {
  const { config, variables } = context.environment;
  await withDependencies(config, async ({ services }) => {
    const accounts = services.accounts;
    const emailProblems = async (value: string) => {
      const { email, problems } = parseEmail(value);
      if (problems.length) return problems;
      return (await accounts.isEmailTaken(email)) ? ['A user with this email already exists.'] : [];
    };
    const rawEmail =
      options.email !== undefined
        ? options.email
        : await askValid(context, () => context.input.ask('Email: '), emailProblems);
    const problems = await emailProblems(rawEmail);
    if (problems.length) throw new CommandError(problems.join('\n'));
    const email = parseEmail(rawEmail).email;

    const fullName = (
      options.fullName !== undefined
        ? options.fullName
        : await askValid(context, () => context.input.ask('Full name: '), fullNameProblems)
    ).trim();
    const nameProblems = fullNameProblems(fullName);
    if (nameProblems.length) throw new CommandError(nameProblems.join('\n'));

    const fromEnvironment = variables[PASSWORD_VARIABLE];
    const password =
      fromEnvironment !== undefined
        ? fromEnvironment
        : await askNewPassword(context, accounts, { email, fullName });

    const user = await accounts.createSuperuser({ email, fullName, password });
    context.console.out(`Superuser created: ${user.email}`);
  });
}

export async function changePassword(context: CommandContext, rawEmail: string): Promise<void> {
  const { email, problems } = parseEmail(rawEmail);
  if (problems.length) throw new CommandError(problems.join('\n'));
  await withDependencies(context.environment.config, async ({ services }) => {
    const accounts = services.accounts;
    if (!(await accounts.isEmailTaken(email)))
      throw new CommandError(`No user with the email address ${email}.`);
    if (context.input.interactive) context.console.out(`Changing the password of ${email}`);
    const password = await askNewPassword(context, accounts, { email });
    const { sessionsRevoked } = await accounts.setPasswordAsOperator(email, password);
    context.console.out(
      `Password changed for ${email}; ${plural(sessionsRevoked, 'session')} signed out.`,
    );
    warnWithoutSharedCache(context, sessionsRevoked);
  });
}

export async function deactivate(
  context: CommandContext,
  rawEmail: string,
  options: { force?: boolean },
): Promise<void> {
  const { email, problems } = parseEmail(rawEmail);
  if (problems.length) throw new CommandError(problems.join('\n'));
  await withDependencies(context.environment.config, async ({ services }) => {
    const result = await services.accounts
      .deactivateAsOperator(email, { force: !!options.force })
      .catch((error: unknown) => {
        const lines = describeFailure(error);
        const lastSuperuser = lines.some((line) => /last active superuser/.test(line));
        throw new CommandError(
          lastSuperuser
            ? `${email} is the last active superuser; create another one first (createsuperuser), or pass --force.`
            : lines.join('\n'),
        );
      });
    if (result.alreadyInactive) {
      context.console.out(`${email} was already deactivated.`);
      return;
    }
    context.console.out(
      `Deactivated ${email}; ${plural(result.sessionsRevoked, 'session')} signed out.`,
    );
    warnWithoutSharedCache(context, result.sessionsRevoked);
  });
}

export async function deleteUser(context: CommandContext, rawEmail: string): Promise<void> {
  const { email, problems } = parseEmail(rawEmail);
  if (problems.length) throw new CommandError(problems.join('\n'));
  await withDependencies(context.environment.config, async ({ services }) => {
    await services.accountLifecycle.deleteAsOperator(email).catch((error: unknown) => {
      throw new CommandError(describeFailure(error).join('\n'));
    });
    context.console.out(`Deleted ${email} and its personal data; every session signed out.`);
  });
}

export async function migrate(context: CommandContext): Promise<void> {
  const database = await openDatabase(context.environment.config, { command: true });
  try {
    const migrator = createMigrator(database.sequelize);
    const applied = await migrator.up();
    if (!applied.length) context.console.out('No migrations to apply.');
    for (const migration of applied) context.console.out(`Applied ${migration.name}`);
  } finally {
    await database.close();
  }
}

/** Without Redis the running service cannot learn of the revocation until its cache entries expire. */
function warnWithoutSharedCache(context: CommandContext, sessionsRevoked: number) {
  const { config } = context.environment;
  if (config.redis || sessionsRevoked === 0) return;
  const minutes = Math.ceil(config.jwt.accessTokenLifetimeSeconds / 60);
  context.console.err(
    `Note: REDIS_URL is not set, so a running service may still accept those sessions' access tokens for up to ${minutes} minutes.`,
  );
}

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;
