/**
 * The one catalogue of error codes clients switch on. Each code has one HTTP status; the
 * mapping to tRPC and to the REST envelope lives in `trpc/error-mapping.ts`.
 */
export const ERROR_CATALOGUE = {
  VALIDATION_ERROR: { status: 400, detail: 'Invalid input.' },
  AUTHENTICATION_FAILED: {
    status: 401,
    detail: 'No active account found with the given credentials.',
  },
  NOT_AUTHENTICATED: { status: 401, detail: 'Authentication credentials were not provided.' },
  TOKEN_INVALID: { status: 401, detail: 'Token is invalid or expired.' },
  EMAIL_NOT_VERIFIED: { status: 401, detail: 'Verify your email address before logging in.' },
  PERMISSION_DENIED: { status: 403, detail: 'You do not have permission to perform this action.' },
  NOT_FOUND: { status: 404, detail: 'Not found.' },
  METHOD_NOT_ALLOWED: { status: 405, detail: 'Method not allowed.' },
  PAYLOAD_TOO_LARGE: { status: 413, detail: 'Request body is too large.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, detail: 'Unsupported media type; send application/json.' },
  RATE_LIMITED: { status: 429, detail: 'Too many requests. Try again later.' },
  INTERNAL_ERROR: { status: 500, detail: 'An internal error occurred.' },
  SERVICE_UNAVAILABLE: { status: 503, detail: 'The service is temporarily unavailable.' },
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;
export const ERROR_CODES = Object.keys(ERROR_CATALOGUE) as ErrorCode[];

/** Field name to messages, as DRF reports them; `non_field_errors` for the whole body. */
export type FieldErrors = Record<string, string[]>;

export class AppError extends Error {
  override name = 'AppError';
  readonly code: ErrorCode;
  readonly fieldErrors: FieldErrors | undefined;
  /** Seconds, for RATE_LIMITED and SERVICE_UNAVAILABLE. */
  readonly retryAfterSeconds: number | undefined;
  /** Extra response headers, e.g. the IETF `RateLimit-*` headers of a RATE_LIMITED answer. */
  readonly headers: Record<string, string> | undefined;

  constructor(
    code: ErrorCode,
    options: {
      detail?: string;
      fieldErrors?: FieldErrors;
      retryAfterSeconds?: number;
      headers?: Record<string, string>;
      cause?: unknown;
    } = {},
  ) {
    super(options.detail ?? ERROR_CATALOGUE[code].detail, { cause: options.cause });
    this.code = code;
    this.fieldErrors = options.fieldErrors;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.headers = options.headers;
  }

  get status(): number {
    return ERROR_CATALOGUE[this.code].status;
  }
}

/** A 400 about particular fields, e.g. `fieldError('email', 'A user with this email already exists.')`. */
export function fieldError(field: string, ...messages: string[]): AppError {
  return new AppError('VALIDATION_ERROR', { fieldErrors: { [field]: messages } });
}
