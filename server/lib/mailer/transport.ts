/**
 * A transport hands one rendered message to a provider. It says whether a failure is worth
 * retrying: `TransportError.permanent` is true only when the provider rejected this message for
 * good (a bad address, a refused payload); network trouble, rate limits and server errors are
 * transient, and so are refused credentials, which an operator can fix without losing the mail.
 */
export interface OutgoingEmail {
  /** The outbox id: sent along (SendGrid custom arg, SMTP Message-ID) so a message can be traced. */
  id: string;
  kind: string;
  to: string;
  from: string;
  subject: string;
  html: string;
  text: string;
}

export interface DeliveryReceipt {
  /** The provider's id for the message, when it gives one. */
  providerMessageId: string | null;
}

export interface EmailTransport {
  readonly name: 'sendgrid' | 'smtp' | 'console';
  send(message: OutgoingEmail): Promise<DeliveryReceipt>;
  close(): Promise<void>;
}

export class TransportError extends Error {
  override name = 'TransportError';
  constructor(
    message: string,
    readonly permanent: boolean,
    /** How long the provider asked us to wait (a 429's Retry-After), in milliseconds. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** One line for logs and `last_error`: bounded, single-line, and never the request that carried a key. */
export function describeFailure(error: unknown): string {
  const message =
    error instanceof Error
      ? `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}`
      : String(error);
  return message.replace(/\s+/g, ' ').slice(0, 500);
}

/** A Retry-After header value (seconds or an HTTP date) in milliseconds. */
export function retryAfterMs(value: unknown, now = Date.now()): number | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(String(value));
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
