/**
 * Keyset pagination over (created_at DESC, id DESC). The position is kept exactly: the time in
 * whole microseconds since the epoch (PostgreSQL's precision; a JavaScript Date would round it
 * to milliseconds and could skip or repeat rows), plus the id that breaks ties. Rows written
 * while a client pages are newer than its position, so they never reappear on a later page.
 */
export interface PageKey {
  /** Microseconds since the Unix epoch, as decimal digits. */
  at: string;
  id: string;
}

/** The SELECT expression that yields a row's `at`. */
export const MICROS_SINCE_EPOCH = (column: string) =>
  `(extract(epoch FROM ${column}) * 1000000)::bigint::text`;

/**
 * `(created_at, id) < key` with bind parameters `$atIndex` and `$atIndex + 1`; `idType` casts
 * the bound id (`bigint`, `uuid`). `after` gives `>`, for pages in ascending order. The key
 * comes from a client's cursor, which schemas/cursor.ts has already held to what these casts
 * and the interval product accept.
 */
export function beforeKey(
  alias: string,
  atIndex: number,
  idType: 'bigint' | 'uuid',
  direction: 'before' | 'after' = 'before',
): string {
  return (
    `(${alias}.created_at, ${alias}.id) ${direction === 'before' ? '<' : '>'} ` +
    `(timestamptz 'epoch' + $${atIndex}::bigint * interval '1 microsecond', $${atIndex + 1}::${idType})`
  );
}

/** Escapes `%`, `_` and `\` so user text matches literally inside an ILIKE pattern. */
export const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
