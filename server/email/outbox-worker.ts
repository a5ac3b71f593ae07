/**
 * Delivers what the outbox holds. Each round claims a batch (FOR UPDATE SKIP LOCKED, under a
 * lease), renders each message, hands it to the transport and records the outcome: sent;
 * retried later with exponential backoff and jitter (network errors, 429, 5xx); or failed for
 * good (a permanent refusal, a payload that no longer renders, or attempts used up). Any number
 * of workers, in any number of instances, can run against one database: a row is claimed by one
 * at a time, and a crashed worker's claim lapses when its lease does.
 *
 * The service runs one worker per process (`start()` after listening, `stop()` on shutdown);
 * tests drive it with `runOnce()` and `drain()` instead of waiting for a timer.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { EmailOutboxRepository, OutboxMessage } from '../repositories/email-outbox.js';
import type { EmailTemplates } from '../lib/mailer/templates.js';
import { TransportError, describeFailure, type EmailTransport } from '../lib/mailer/transport.js';
import { silentTelemetry, type Telemetry } from '../lib/telemetry.js';

export interface OutboxWorkerSettings {
  pollMs: number;
  batchSize: number;
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  leaseMs: number;
  /** The transport's own timeout: a send is not started unless it can finish within the lease. */
  sendTimeoutMs: number;
  /** Sent messages are deleted once older than this; 0 keeps them. */
  retentionMs: number;
}

export interface OutboxWorkerDependencies {
  outbox: EmailOutboxRepository;
  transport: EmailTransport;
  templates: EmailTemplates;
  clock: Clock;
  logger: Logger;
  from: string;
  /** Counts each attempt's outcome and traces the send (lib/telemetry.ts). */
  telemetry?: Telemetry;
  /** For tests: a fixed jitter. */
  random?: () => number;
  workerId?: string;
}

const LEASE_MARGIN_MS = 5000;
const PRUNE_EVERY_MS = 3_600_000;
const MAX_IDLE_BACKOFF_MS = 30_000;

export class OutboxWorker {
  readonly id: string;
  private running = false;
  private stopping = false;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private wakeRequested = false;
  private consecutiveErrors = 0;
  private lastPruneAt = 0;

  constructor(
    private readonly deps: OutboxWorkerDependencies,
    private readonly settings: OutboxWorkerSettings,
  ) {
    this.id = deps.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  }

  /** Polls every `pollMs`, at once after `nudge()`, and back to back while batches come full. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.stopping = false;
    this.schedule(0);
  }

  /** A message was just committed: look now rather than at the next poll. */
  nudge(): void {
    if (!this.running) return;
    if (this.inFlight) this.wakeRequested = true;
    else this.schedule(0);
  }

  /**
   * Stops polling and waits (at most `timeoutMs`) for the send under way; the rest of its batch
   * is handed back unsent, so another instance or the next start picks it up.
   */
  async stop(timeoutMs = 10_000): Promise<void> {
    this.running = false;
    this.stopping = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.inFlight) return;
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([
      this.inFlight,
      new Promise<void>((resolve) => {
        timeout = setTimeout(resolve, timeoutMs);
      }),
    ]);
    clearTimeout(timeout);
  }

  /** One round: claims a batch of due messages and delivers it. Returns how many it claimed. */
  async runOnce(): Promise<number> {
    const { outbox, clock } = this.deps;
    const { leaseMs, sendTimeoutMs, batchSize } = this.settings;
    const claimedAt = clock.now().getTime();
    const batch = await outbox.claim({
      workerId: this.id,
      now: new Date(claimedAt),
      leaseMs,
      limit: batchSize,
    });
    // A send that could outlast the lease would let another worker send the same message.
    const lastSafeStart = claimedAt + leaseMs - sendTimeoutMs - LEASE_MARGIN_MS;
    for (const [index, message] of batch.entries()) {
      if (this.stopping || (index > 0 && clock.now().getTime() > lastSafeStart)) {
        await outbox.release(message.id, this.id, clock.now());
        continue;
      }
      try {
        await this.deliver(message);
      } catch (error) {
        // Recording the outcome failed (the database went away): the lease returns the row.
        this.deps.logger.error(
          { outboxId: message.id, error: describeFailure(error) },
          'email outbox: could not record a delivery outcome',
        );
      }
    }
    await this.prune();
    return batch.length;
  }

  /** Runs rounds until nothing is due (bounded), and returns how many messages were claimed. */
  async drain(maxRounds = 1000): Promise<number> {
    let total = 0;
    for (let round = 0; round < maxRounds; round += 1) {
      const claimed = await this.runOnce();
      total += claimed;
      if (claimed === 0) break;
    }
    return total;
  }

  /** Exponential backoff with jitter (half fixed, half random), at least what the provider asked. */
  backoffMs(attempt: number, retryAfterMs?: number): number {
    const { backoffBaseMs, backoffMaxMs } = this.settings;
    const exponential = Math.min(backoffMaxMs, backoffBaseMs * 2 ** Math.max(0, attempt - 1));
    const random = this.deps.random ?? Math.random;
    const jittered = Math.round(exponential / 2 + (random() * exponential) / 2);
    return Math.max(jittered, Math.min(retryAfterMs ?? 0, backoffMaxMs));
  }

  private async deliver(message: OutboxMessage): Promise<void> {
    const { outbox, transport, templates, clock, logger } = this.deps;
    const telemetry = this.deps.telemetry ?? silentTelemetry;
    const context = { outboxId: message.id, kind: message.kind, attempt: message.attempts };
    if (message.attempts > this.settings.maxAttempts) {
      const error = `gave up after ${message.attempts - 1} attempts (the last claim lapsed)`;
      await outbox.markFailed(message.id, this.id, { now: clock.now(), error });
      logger.error({ ...context, error }, 'email delivery failed permanently');
      return;
    }

    let rendered;
    try {
      rendered = templates.render(message.kind, message.payload);
    } catch (error) {
      const reason = `could not render: ${describeFailure(error)}`;
      await outbox.markFailed(message.id, this.id, { now: clock.now(), error: reason });
      logger.error({ ...context, error: reason }, 'email delivery failed permanently');
      return;
    }

    let providerMessageId: string | null;
    try {
      // The span names the transport and the kind of message, never its recipient or content.
      const attributes = { 'email.transport': transport.name, 'email.kind': message.kind };
      ({ providerMessageId } = await telemetry.span('email send', attributes, () =>
        transport.send({
          id: message.id,
          kind: message.kind,
          to: message.recipient,
          from: this.deps.from,
          ...rendered,
        }),
      ));
      telemetry.emailDelivered(transport.name, 'sent');
    } catch (error) {
      telemetry.emailDelivered(transport.name, 'failed');
      await this.recordFailure(message, error, context);
      return;
    }
    const recorded = await outbox.markSent(message.id, this.id, {
      now: clock.now(),
      providerMessageId,
    });
    if (recorded) logger.info({ ...context, transport: transport.name }, 'email sent');
    else logger.warn(context, 'email sent after its claim lapsed; another worker may send it too');
  }

  private async recordFailure(message: OutboxMessage, error: unknown, context: object) {
    const { outbox, clock, logger } = this.deps;
    const failure =
      error instanceof TransportError ? error : new TransportError(describeFailure(error), false);
    const now = clock.now();
    if (failure.permanent || message.attempts >= this.settings.maxAttempts) {
      await outbox.markFailed(message.id, this.id, { now, error: failure.message });
      logger.error(
        { ...context, error: failure.message, permanent: failure.permanent },
        'email delivery failed permanently',
      );
      return;
    }
    const delayMs = this.backoffMs(message.attempts, failure.retryAfterMs);
    await outbox.markRetry(message.id, this.id, {
      now,
      retryAt: new Date(now.getTime() + delayMs),
      error: failure.message,
    });
    logger.warn(
      { ...context, error: failure.message, retryInMs: delayMs },
      'email delivery failed; will retry',
    );
  }

  private async prune() {
    const { retentionMs } = this.settings;
    const now = this.deps.clock.now().getTime();
    if (!retentionMs || now - this.lastPruneAt < PRUNE_EVERY_MS) return;
    this.lastPruneAt = now;
    await this.deps.outbox.pruneSent(new Date(now - retentionMs));
  }

  private schedule(delayMs: number) {
    if (!this.running) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), delayMs);
    this.timer.unref();
  }

  private async tick() {
    this.timer = undefined;
    if (!this.running) return;
    let claimed = 0;
    this.inFlight = this.runOnce().then(
      (count) => {
        claimed = count;
        this.consecutiveErrors = 0;
      },
      (error: unknown) => {
        this.consecutiveErrors += 1;
        // Once per failure streak at error level; the database being down is also on /health/.
        const level = this.consecutiveErrors === 1 ? 'error' : 'debug';
        this.deps.logger[level]({ error: describeFailure(error) }, 'email outbox: poll failed');
      },
    );
    await this.inFlight;
    this.inFlight = undefined;
    const again =
      (claimed >= this.settings.batchSize || this.wakeRequested) && !this.consecutiveErrors;
    this.wakeRequested = false;
    const { pollMs } = this.settings;
    const idle = Math.max(
      pollMs,
      Math.min(MAX_IDLE_BACKOFF_MS, pollMs * 2 ** Math.min(this.consecutiveErrors, 10)),
    );
    this.schedule(again ? 0 : this.consecutiveErrors ? idle : pollMs);
  }
}
