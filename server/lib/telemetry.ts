/**
 * What the service tells its operator, as plain calls: services, the hasher, the Redis store and
 * the email outbox report here and know nothing of Prometheus or OpenTelemetry. The composition
 * root (deps.ts) passes an implementation that counts (observability/metrics.ts) and traces
 * (observability/tracing.ts); without one, `silentTelemetry` does nothing at no cost.
 *
 * No argument ever carries a password, a token, an email address or a link: labels and span
 * attributes are fixed words and numbers only.
 */

/** How a login ended; `mfa_required` when a second factor is asked for. */
export type LoginOutcome =
  | 'success'
  | 'wrong_password'
  | 'unknown_email'
  | 'inactive'
  | 'email_not_verified'
  | 'locked'
  | 'mfa_required';

export type SpanAttributes = Readonly<Record<string, string | number | boolean>>;

export interface Telemetry {
  login(outcome: LoginOutcome): void;
  /** A consumed refresh token presented again: its session was ended. */
  refreshReuse(): void;
  /** A request refused by the named rate limit (`loginIp`, `loginAccount`, ...). */
  rateLimitRefused(limit: string): void;
  /** `count` sessions ended for `reason` (logout, password_change, refresh_reuse, ...). */
  sessionsRevoked(reason: string, count: number): void;
  /** The verified-token cache answered (`hit`) or PostgreSQL had to (`miss`). */
  tokenCacheLookup(result: 'hit' | 'miss'): void;
  /** A password hash waited `waitSeconds` for a slot, then ran `hashSeconds`. */
  passwordHashed(waitSeconds: number, hashSeconds: number): void;
  /** A password hash refused because the queue was full (503). */
  passwordHashRefused(): void;
  /** One Redis command and how long it took; `failed` when Redis did not answer. */
  redisCommand(command: string, seconds: number, failed: boolean): void;
  /** One email handed to `transport` (smtp, sendgrid, console): sent, or failed. */
  emailDelivered(transport: string, outcome: 'sent' | 'failed'): void;
  /**
   * Runs `work` inside a trace span named `name` (a child of the current one) when tracing is
   * on; runs it as it is otherwise.
   */
  span<T>(name: string, attributes: SpanAttributes, work: () => Promise<T>): Promise<T>;
}

const nothing = () => undefined;

export const silentTelemetry: Telemetry = {
  login: nothing,
  refreshReuse: nothing,
  rateLimitRefused: nothing,
  sessionsRevoked: nothing,
  tokenCacheLookup: nothing,
  passwordHashed: nothing,
  passwordHashRefused: nothing,
  redisCommand: nothing,
  emailDelivered: nothing,
  span: (_name, _attributes, work) => work(),
};
