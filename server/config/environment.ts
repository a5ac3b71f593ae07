/**
 * The environment as one schema: every section's variables, parsed together so one start
 * reports every bad variable at once.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parse as parseDotenv } from 'dotenv';
import type { z } from 'zod';
import { databaseVariables } from './database.js';
import { emailVariables } from './email.js';
import { configurationError, describeIssue } from './errors.js';
import { generalVariables } from './general.js';
import { httpVariables } from './http.js';
import { limitVariables } from './limits.js';
import { observabilityVariables } from './observability.js';
import { passwordVariables } from './passwords.js';
import { redisVariables } from './redis.js';
import { secretVariables } from './secrets.js';
import { tokenVariables } from './tokens.js';

const environmentSchema = generalVariables.extend({
  ...secretVariables.shape,
  ...httpVariables.shape,
  ...databaseVariables.shape,
  ...redisVariables.shape,
  ...tokenVariables.shape,
  ...passwordVariables.shape,
  ...emailVariables.shape,
  ...limitVariables.shape,
  ...observabilityVariables.shape,
});

export type Environment = z.output<typeof environmentSchema>;

/** One configuration problem, named after the variable to change. */
export interface Problem {
  variable: string;
  message: string;
}

/**
 * The environment parsed, and a problem for every variable the schema refuses. The refused ones
 * fall back to their defaults, so the rules across variables can still run on the others and
 * one start reports everything; a rule about a refused variable is left out.
 */
export function parseEnvironment(source: Record<string, string | undefined>) {
  const parsed = environmentSchema.safeParse(source);
  if (parsed.success) return { environment: parsed.data, problems: [] as Problem[] };
  const problems = new Map<string, Problem>();
  for (const issue of parsed.error.issues) {
    const variable = String(issue.path[0] ?? 'environment');
    if (!problems.has(variable))
      problems.set(variable, { variable, message: describeIssue(issue, source) });
  }
  const rest = Object.fromEntries(
    Object.entries(source).filter(([variable]) => !problems.has(variable)),
  );
  const fallback = environmentSchema.safeParse(rest);
  if (!fallback.success) throw configurationError([...problems.values()].map((p) => p.message));
  return { environment: fallback.data, problems: [...problems.values()] };
}

/** Reads `.env` (when present) beneath the process environment, which always wins. */
export function readEnvironment(
  processEnv: NodeJS.ProcessEnv = process.env,
  dotenvPath = '.env',
): Record<string, string | undefined> {
  const fromFile = existsSync(dotenvPath) ? parseDotenv(readFileSync(dotenvPath)) : {};
  const merged: Record<string, string | undefined> = { ...fromFile, ...processEnv };
  // An empty assignment (`EMAIL_HOST=`) means "not set", as it did for the original service.
  for (const [key, value] of Object.entries(merged)) if (value === '') delete merged[key];
  return merged;
}
