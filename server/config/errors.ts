/** How a bad configuration is reported: one error naming every bad variable, one a line. */
import type { z } from 'zod';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** One message for every problem: a single line for one, else one line each under a heading. */
export function configurationError(problems: string[]): ConfigError {
  if (problems.length === 1) return new ConfigError(`Invalid configuration: ${problems[0]}`);
  const lines = problems.map((problem) => `  - ${problem}`);
  return new ConfigError(
    [`Invalid configuration (${problems.length} problems):`, ...lines].join('\n'),
  );
}

/** "<VARIABLE>: <problem> (got "<value>")", never showing a secret's value. */
export function describeIssue(
  issue: z.core.$ZodIssue,
  source: Record<string, string | undefined>,
): string {
  const name = String(issue.path[0] ?? 'environment');
  const value = source[name];
  const shown =
    value === undefined || /SECRET|PASSWORD|API_KEY|PRIVATE_KEY|CLIENTS/.test(name)
      ? ''
      : ` (got "${value}")`;
  return `${name}: ${issue.message}${shown}`;
}
