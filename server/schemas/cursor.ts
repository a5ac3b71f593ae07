/**
 * Page cursors, the one place they are written and read. A cursor is opaque to clients:
 * base64url of `[kind, at, id]`, the position of the last entry a client saw (the keyset of
 * repositories/keyset.ts: `at` in whole microseconds since the Unix epoch, `id` the tie-break).
 * The kind keeps one list's cursor from being replayed against another.
 *
 * Every list validates its cursor here, at the edge, before any service runs: a cursor that
 * does not decode, names another list, or holds a number PostgreSQL could not bind (beyond
 * bigint, or a time the keyset query cannot turn into a timestamp exactly) is a 400 on
 * `cursor`, never a database error and its stack in the log.
 */
import { z } from './messages.js';

export type CursorKind = 'activity' | 'users';

/** A decoded cursor: the same shape as the repositories' `PageKey`. */
export interface CursorPosition {
  /** Microseconds since the Unix epoch, as decimal digits. */
  at: string;
  id: string;
}

export const INVALID_CURSOR = 'Invalid cursor.';

/**
 * The keyset query turns `at` into a timestamp by multiplying an interval, which PostgreSQL does
 * in double precision: exact up to 2^53 microseconds either side of 1970 (the years 1685 to
 * 2255), where every row's `created_at` lies. A position beyond could only be forged.
 */
const MAX_MICROS = BigInt(Number.MAX_SAFE_INTEGER);
/** PostgreSQL's bigint, the type of activity ids. */
const MAX_BIGINT = 2n ** 63n - 1n;

/** Decimal digits matching `pattern` (one check: zod would run a range check on a mismatch too). */
const integerWithin = (pattern: RegExp, min: bigint, max: bigint) =>
  z.string().refine((digits) => {
    if (!pattern.test(digits)) return false;
    const value = BigInt(digits);
    return value >= min && value <= max;
  });

const micros = integerWithin(/^-?\d{1,16}$/, -MAX_MICROS, MAX_MICROS);
const bigintId = integerWithin(/^\d{1,19}$/, 1n, MAX_BIGINT);
/** As PostgreSQL writes a uuid; the version is not checked (any uuid column value will do). */
const uuidId = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

const POSITION: Record<CursorKind, z.ZodType<[CursorKind, string, string]>> = {
  activity: z.tuple([z.literal('activity'), micros, bigintId]),
  users: z.tuple([z.literal('users'), micros, uuidId]),
};

export function encodeCursor(kind: CursorKind, position: CursorPosition): string {
  return Buffer.from(JSON.stringify([kind, position.at, position.id]), 'utf8').toString(
    'base64url',
  );
}

function decode(cursor: string): unknown {
  try {
    return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

/** The `cursor` query field of a list of `kind`: a cursor this service issued, decoded. */
export const cursorField = (kind: CursorKind) =>
  z
    .string()
    .trim()
    .min(1)
    .max(512)
    .transform((cursor, context): CursorPosition => {
      const parsed = POSITION[kind].safeParse(decode(cursor));
      if (!parsed.success) {
        context.addIssue({ code: 'custom', message: INVALID_CURSOR });
        return z.NEVER;
      }
      const [, at, id] = parsed.data;
      return { at, id };
    })
    .meta({ description: 'The `next_cursor` of the previous page.' });
