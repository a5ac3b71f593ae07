/**
 * A parsed JSON answer as a test reads it: by key, with the assertions as its types. The one
 * place tests opt out of type checking, so that reading a response body needs no cast.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;
