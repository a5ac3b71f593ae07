/**
 * The zod building blocks the sections declare their variables with: every value arrives as a
 * string (or not at all), and each block says in its message what it expected.
 */
import { z } from 'zod';

/** Django's spellings as well as the usual ones. */
export const booleanFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off', 'True', 'False'])
  .transform((value) => ['true', '1', 'yes', 'on', 'True'].includes(value));

export const integer = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce
    .number({ error: 'expected a whole number' })
    .int({ error: 'expected a whole number' })
    .min(min, { error: `must be at least ${min}` })
    .max(max, { error: `must be at most ${max}` });

export const commaList = z.string().transform((value) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean),
);

export const url = (protocols: RegExp, hint: string) =>
  z.string().refine((value) => {
    try {
      return protocols.test(new URL(value).protocol);
    } catch {
      return false;
    }
  }, `expected a ${hint} URL`);

/** "host:port,host:port" (Sentinels, Cluster seed nodes): at least one, every port valid. */
export const hostPortList = z.string().transform((value, context) => {
  const nodes = value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
    .map((item) => {
      const match = /^(\[[0-9a-fA-F:.]+\]|[^:\s]+):(\d{1,5})$/.exec(item);
      const port = match ? Number(match[2]) : 0;
      return match && port >= 1 && port <= 65535
        ? { host: match[1]!.replace(/^\[|\]$/g, ''), port }
        : null;
    });
  if (nodes.length === 0 || nodes.some((node) => node === null)) {
    context.addIssue({ code: 'custom', message: 'expected "host:port,host:port,..."' });
    return z.NEVER;
  }
  return nodes as Array<{ host: string; port: number }>;
});
