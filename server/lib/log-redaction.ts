/**
 * What keeps secrets (passwords, tokens, reset and verification links, Authorization and Cookie
 * headers, mail provider credentials) out of every log line, at every level. Four layers, each
 * catching what the ones before cannot:
 *
 * 1. Field names: a field whose name says it holds a secret (`password`, `current_password`,
 *    `token`, `refresh`, `authorization`, `cookie`, `apiKey`, ...) is blanked at any depth of a
 *    plain object or array a caller passes in, whatever else it holds.
 * 2. Requests and responses: logged as `req` or `res`, Node's objects are reduced by pino's
 *    serializers to method, URL and headers, and pino's redaction blanks the credential headers
 *    (Authorization, Proxy-Authorization, Cookie, Set-Cookie) of what they give.
 * 3. Errors: only an error's kind, message, code and stack (and its cause's) are written. Its
 *    other properties are not: a database error carries the statement's parameters (a mail's
 *    reset link, say), an HTTP client's error the request with its headers.
 * 4. Text: what still looks like a secret in the finished line (a JWT, a `token=` query value,
 *    a Bearer or Basic credential, a password in a URL) is masked, wherever it sits.
 *
 * Names rather than a list of paths: pino's wildcard paths cost more per line than the rest of
 * the line's work together, and reach only the depth they spell out.
 */

export const REDACTED = '[redacted]';

const SECRET_FIELD =
  /passw|secret|token|authorization|cookie|api[-_]?key|credential|^(access|refresh|pass|jwt)$/i;
const MAX_DEPTH = 8;

const isPlainObject = (value: object) => {
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
};

/**
 * The value with every field named like a secret blanked, in plain objects and arrays at any
 * depth. The caller's object is never changed: what differs is copied.
 */
export function withoutSecretFields<T>(value: T, depth = 0): T {
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item: unknown, index) => {
      const cleaned = withoutSecretFields(item, depth + 1);
      if (cleaned !== item) (copy ??= [...value])[index] = cleaned;
    });
    return (copy ?? value) as T;
  }
  // Errors go to serializeError; other class instances are left to their own toJSON.
  if (!isPlainObject(value)) return value;
  const fields = value as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  for (const [key, inner] of Object.entries(fields)) {
    const cleaned = SECRET_FIELD.test(key) ? REDACTED : withoutSecretFields(inner, depth + 1);
    if (cleaned !== inner) (copy ??= { ...fields })[key] = cleaned;
  }
  return (copy ?? value) as T;
}

const CREDENTIAL_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie'];

/** pino redact paths for the headers of request-like objects, which a serializer made plain. */
export const REDACTED_HEADER_PATHS = ['req', 'request', 'res', 'response'].flatMap((holder) =>
  CREDENTIAL_HEADERS.map((header) => `${holder}.headers["${header}"]`),
);

const MAX_CAUSE_DEPTH = 3;

/**
 * pino's serializer for `err` and `error`: an Error keeps its type, message, code and stack and
 * its cause (or, for Sequelize, the driver error it wraps as `parent`), nothing else. A plain
 * object keeps its message and code; a string passes through.
 */
export function serializeError(error: unknown, depth = 0): unknown {
  if (typeof error !== 'object' || error === null) return error;
  const { message, code } = error as { message?: unknown; code?: unknown };
  const shown: Record<string, unknown> = {};
  if (error instanceof Error) {
    shown.type = error.name;
    shown.message = error.message;
  } else if (typeof message === 'string') {
    shown.message = message;
  }
  if (typeof code === 'string' || typeof code === 'number') shown.code = code;
  if (error instanceof Error) {
    shown.stack = error.stack;
    const cause = error.cause ?? (error as { parent?: unknown }).parent;
    if (cause !== undefined && depth < MAX_CAUSE_DEPTH)
      shown.cause = serializeError(cause, depth + 1);
  }
  return shown;
}

const SECRET_TEXT: Array<[RegExp, string]> = [
  // A JWT: its header and payload are base64url JSON objects, so both start with "eyJ".
  [/eyJ[\w-]*\.eyJ[\w-]*\.[\w-]*/g, REDACTED],
  // The value of a token query parameter, as in reset and verification links.
  [/([?&](?:token|access_token|refresh_token)=)[\w.~%+/=-]+/gi, `$1${REDACTED}`],
  // A credential as an Authorization header carries it.
  [/\b(Bearer|Basic)\s+[\w.~+/=-]{8,}/g, `$1 ${REDACTED}`],
  // A password in a connection URL (postgres://user:password@host).
  [/(\/\/[^/\s:@"'\\]*:)[^@\s"'\\/]+@/g, `$1${REDACTED}@`],
];
const MAYBE_SECRET = /eyJ|token=|Bearer|Basic|:\/\//i;

/** The text with everything that looks like a secret masked (for log lines and stderr). */
export function scrubSecrets(text: string): string {
  if (!MAYBE_SECRET.test(text)) return text;
  return SECRET_TEXT.reduce((scrubbed, [pattern, mask]) => scrubbed.replace(pattern, mask), text);
}
