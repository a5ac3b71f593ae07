const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids in paths are compared with uuid columns; anything else cannot name a row (a 404, not a 500). */
export const isUuid = (value: string) => UUID.test(value);
