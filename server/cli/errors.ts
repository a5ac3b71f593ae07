import { EmbeddedDatabaseInUseError } from '../../db/embedded-lock.js';
import { AppError } from '../errors.js';
import { ConfigError } from '../config/index.js';
import { scrubSecrets } from '../lib/log-redaction.js';

/** A failure to report in one clear sentence, with the process's exit code. */
export class CommandError extends Error {
  override name = 'CommandError';
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** The lines to print for a failure: field messages as "field: message", never a stack. */
export function describeFailure(error: unknown): string[] {
  if (
    error instanceof CommandError ||
    error instanceof ConfigError ||
    error instanceof EmbeddedDatabaseInUseError
  )
    return error.message.split('\n');
  if (error instanceof AppError) {
    if (!error.fieldErrors) return [error.message];
    return Object.entries(error.fieldErrors).flatMap(([field, messages]) =>
      messages.map((message) => `${field.replace(/_/g, ' ')}: ${message}`),
    );
  }
  const name = (error as { name?: string } | null)?.name ?? '';
  if (/^Sequelize\w*Connection\w*Error$|^SequelizeHostNotFoundError$/.test(name)) {
    return [`Cannot reach the database: ${scrubSecrets((error as Error).message)}`];
  }
  return [`Unexpected error: ${scrubSecrets((error as Error)?.message ?? String(error))}`];
}
