/**
 * Page cursors, the one place they are written and read. A cursor is opaque to clients:
 * base64url of `[kind, at, id]`, the position of the last entry a client saw (the keyset of
 * repositories/keyset.ts: `at` in whole microseconds since the Unix epoch, `id` the tie-break).
 * The kind keeps one list's cursor from being replayed against another, and one ordering's
 * against another of the same list: a position by last login means nothing by joining date.
 *
 * Every list validates its cursor here, at the edge, before any service runs: a cursor that
 * does not decode, names another list, or holds a number PostgreSQL could not bind (beyond
 * bigint, or a time the keyset query cannot turn into a timestamp exactly) is a 400 on
 * `cursor`, never a database error and its stack in the log.
 */
import { z } from './messages.js';

/**
 * The users list has one kind per ordering; `users` is its default (newest joined first), the
 * kind its cursors had before the list could be sorted, so those cursors still page.
 */
export const USERS_CURSOR_KINDS = [
  'users',
  'users:created_at',
  'users:-last_login',
  'users:last_login',
] as const;

export type CursorKind = 'activity' | (typeof USERS_CURSOR_KINDS)[number];

/** A decoded cursor: the same shape as the repositories' `PageKey`. */
export interface CursorPosition {
  /** Microseconds since the Unix epoch, as decimal digits (see POSITION for last logins). */
  at: string;
  id: string;
}

/** A decoded cursor and the kind it was issued as. */
export interface DecodedCursor extends CursorPosition {
  kind: CursorKind;
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
/**
 * A last-login position is compared as a bigint, never turned into a time (the users list sorts
 * accounts that never logged in at the smallest bigint: repositories/user-directory.ts).
 */
const bigintPosition = integerWithin(/^-?\d{1,19}$/, -MAX_BIGINT - 1n, MAX_BIGINT);
const bigintId = integerWithin(/^\d{1,19}$/, 1n, MAX_BIGINT);
/** As PostgreSQL writes a uuid; the version is not checked (any uuid column value will do). */
const uuidId = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

const position = <K extends CursorKind>(kind: K, at: z.ZodType<string>, id: z.ZodType<string>) =>
  z.tuple([z.literal(kind), at, id]);

const POSITION: Record<CursorKind, z.ZodType<[CursorKind, string, string]>> = {
  activity: position('activity', micros, bigintId),
  users: position('users', micros, uuidId),
  'users:created_at': position('users:created_at', micros, uuidId),
  'users:-last_login': position('users:-last_login', bigintPosition, uuidId),
  'users:last_login': position('users:last_login', bigintPosition, uuidId),
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

/**
 * The `cursor` query field of a list whose cursors are of `kinds`: a cursor this service issued,
 * decoded. A list with several orderings names every ordering's kind here and holds the cursor to
 * the ordering asked for with `cursorOfOrdering`.
 */
export const cursorField = (kinds: CursorKind | readonly CursorKind[]) => {
  const accepted = new Set<CursorKind>(typeof kinds === 'string' ? [kinds] : kinds);
  return z
    .string()
    .trim()
    .min(1)
    .max(512)
    .transform((cursor, context): DecodedCursor => {
      const decoded = decode(cursor);
      const kind = Array.isArray(decoded) ? (decoded[0] as CursorKind) : undefined;
      const parsed = kind && accepted.has(kind) ? POSITION[kind].safeParse(decoded) : undefined;
      if (!parsed?.success) {
        context.addIssue({ code: 'custom', message: INVALID_CURSOR });
        return z.NEVER;
      }
      const [, at, id] = parsed.data;
      return { kind: parsed.data[0], at, id };
    })
    .meta({ description: 'The `next_cursor` of the previous page.' });
};

/**
 * The refinement of a list input with several orderings: its cursor must have been issued for
 * the ordering asked for (`kindOf` names each ordering's kind), else it is a 400 on `cursor`.
 */
export const cursorOfOrdering =
  <Ordering extends string>(kindOf: Record<Ordering, CursorKind>) =>
  (input: { ordering: Ordering; cursor?: DecodedCursor }, context: z.RefinementCtx): void => {
    if (input.cursor && input.cursor.kind !== kindOf[input.ordering]) {
      context.addIssue({ code: 'custom', path: ['cursor'], message: INVALID_CURSOR });
    }
  };
