import { cursorField, type CursorKind } from './cursor.js';
import { z } from './messages.js';

const MAX_PAGE_SIZE = 100;
const DEFAULT_PAGE_SIZE = 20;

/**
 * Query-string booleans: `true`/`false` (and `1`/`0`) from REST, real booleans from tRPC.
 * `z.coerce.boolean()` would read the string "false" as true, hence the explicit mapping.
 */
export const queryBoolean = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0'])], {
    error: 'Must be a valid boolean.',
  })
  .transform((value) => value === true || value === 'true' || value === '1');

/** Keyset pagination: `limit` up to 100, and the opaque `cursor` of the previous page. */
export const pageInput = (kinds: CursorKind | readonly CursorKind[]) =>
  z.object({
    limit: z.coerce
      .number<number | string>({ error: 'A valid integer is required.' })
      .int({ error: 'A valid integer is required.' })
      .min(1, { error: 'Ensure this value is greater than or equal to 1.' })
      .max(MAX_PAGE_SIZE, {
        error: `Ensure this value is less than or equal to ${MAX_PAGE_SIZE}.`,
      })
      .default(DEFAULT_PAGE_SIZE),
    cursor: cursorField(kinds).optional(),
  });

/** `{results, next_cursor}`: `next_cursor` is null on the last page. */
export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({
    results: z.array(item),
    next_cursor: z
      .string()
      .nullable()
      .meta({ description: 'Pass as `cursor` for the next page; null on the last page.' }),
  });

export interface Page<T> {
  results: T[];
  next_cursor: string | null;
}
