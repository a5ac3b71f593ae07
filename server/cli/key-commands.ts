/**
 * `keys list | rotate | retire <kid> [--force]`: the signing keys in PostgreSQL, through the
 * service the staff API uses. Running instances pick a change up by themselves (see
 * server/lib/signing-keys/key-ring.ts): a new key verifies everywhere at once and signs
 * everywhere within seconds; a retired key is refused within the same.
 */
import { AppError } from '../errors.js';
import { RELOAD_AFTER_MS } from '../lib/signing-keys/key-ring.js';
import { CommandError } from './errors.js';
import { withDependencies, type CommandEnvironment } from './runtime.js';

interface KeyCommandContext {
  environment: CommandEnvironment;
  console: { out(line: string): void; err(line: string): void };
}

const when = (date: Date | null) => (date ? date.toISOString() : '-');

/** Refusals of the service, in its own words, as the command's one line. */
const asCommandError = (error: unknown) => {
  if (error instanceof AppError) throw new CommandError(error.message);
  throw error;
};

export async function listKeys(context: KeyCommandContext): Promise<void> {
  await withDependencies(context.environment.config, async (deps) => {
    const keys = await deps.services.signingKeys.list();
    if (!keys.length) {
      context.console.out(
        `No stored keys (JWT_ALGORITHM=${context.environment.config.jwt.algorithm}).`,
      );
      return;
    }
    context.console.out(['KID', 'ALG', 'STATUS', 'ACTIVATED', 'SUPERSEDED', 'RETIRED'].join('\t'));
    for (const key of keys) {
      context.console.out(
        [
          key.kid,
          key.algorithm,
          key.status,
          when(key.activatedAt),
          when(key.supersededAt),
          when(key.retiredAt),
        ].join('\t'),
      );
    }
  });
}

export async function rotateKeys(context: KeyCommandContext): Promise<void> {
  await withDependencies(context.environment.config, async (deps) => {
    const { kid, previousKid, activatesAt } = await deps.services.signingKeys
      .rotate()
      .catch(asCommandError);
    context.console.out(
      `New signing key ${kid}: published now, signing from ${activatesAt.toISOString()} (each instance within ${RELOAD_AFTER_MS / 1000} s of that).` +
        (previousKid ? ` ${previousKid} keeps verifying until retired or its tokens expire.` : ''),
    );
  });
}

export async function retireKey(
  context: KeyCommandContext,
  kid: string,
  options: { force?: boolean },
): Promise<void> {
  await withDependencies(context.environment.config, async (deps) => {
    const { liveRefreshTokens } = await deps.services.signingKeys
      .retire(kid, options.force ?? false)
      .catch(asCommandError);
    context.console.out(
      `Retired ${kid}; its tokens are refused from now on` +
        (liveRefreshTokens ? ` (${liveRefreshTokens} live refresh token(s) signed out).` : '.'),
    );
  });
}
