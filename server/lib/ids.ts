const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Ids from paths are compared with uuid columns; anything else cannot name a row. The users
 * repository answers "no such user" for them (a 404 upstream, never a 500 from the cast).
 */
export const isUuid = (value: string) => UUID.test(value);
