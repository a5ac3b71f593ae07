/**
 * Opaque page cursors: base64url of the position of the last entry a client saw. The kind
 * letter keeps a cursor of one list from being replayed against another; anything malformed is
 * a 400 on `cursor`, never a database error.
 */
import { fieldError } from '../errors.js';
import type { PageKey } from '../repositories/index.js';

export type CursorKind = 'activity' | 'users';

const ID_SHAPE: Record<CursorKind, RegExp> = {
  activity: /^\d{1,19}$/,
  users: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
};
const MICROS = /^-?\d{1,19}$/;

export function encodeCursor(kind: CursorKind, key: PageKey): string {
  return Buffer.from(JSON.stringify([kind, key.at, key.id]), 'utf8').toString('base64url');
}

export function decodeCursor(kind: CursorKind, cursor: string | undefined): PageKey | undefined {
  if (cursor === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (!Array.isArray(parsed) || parsed.length !== 3) throw invalidCursor();
  const [cursorKind, at, id] = parsed as unknown[];
  if (
    cursorKind !== kind ||
    typeof at !== 'string' ||
    !MICROS.test(at) ||
    typeof id !== 'string' ||
    !ID_SHAPE[kind].test(id)
  ) {
    throw invalidCursor();
  }
  return { at, id };
}

const invalidCursor = () => fieldError('cursor', 'Invalid cursor.');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids in paths are compared with uuid columns; anything else cannot name a row. */
export const isUuid = (value: string) => UUID.test(value);
