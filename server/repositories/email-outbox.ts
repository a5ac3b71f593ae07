/**
 * The email outbox. Rows are written in the caller's transaction (so a message exists exactly
 * when the change that caused it does), claimed by workers with FOR UPDATE SKIP LOCKED under a
 * lease, and moved to `sent` or `failed` only by the worker that holds the claim.
 *
 * A payload holds live links (a reset or verification token in plain text) while the message
 * waits. Once it is delivered or given up, the payload is emptied in the same statement that
 * records the outcome: what an operator needs stays (recipient, kind, status, attempts, the
 * provider's reason, timestamps), and a copy of the database holds no token that still works.
 */
import { QueryTypes, Transaction, type Sequelize } from 'sequelize';
import type { Models } from '../../db/models/index.js';
import type { EmailOutboxStatus } from '../../db/models/email-outbox.js';

export interface OutboxMessage {
  id: string;
  kind: string;
  recipient: string;
  payload: Record<string, unknown>;
  status: EmailOutboxStatus;
  /** Claims so far, this one included: a claim is an attempt even if the worker then dies. */
  attempts: number;
  availableAt: Date;
  lockedUntil: Date | null;
  lockedBy: string | null;
  lastError: string | null;
  providerMessageId: string | null;
  createdAt: Date;
  sentAt: Date | null;
  failedAt: Date | null;
}

export interface NewOutboxMessage {
  kind: string;
  recipient: string;
  payload: Record<string, unknown>;
  at: Date;
}

interface Row {
  id: string;
  kind: string;
  recipient: string;
  payload: Record<string, unknown>;
  status: EmailOutboxStatus;
  attempts: number;
  available_at: Date;
  locked_until: Date | null;
  locked_by: string | null;
  last_error: string | null;
  provider_message_id: string | null;
  created_at: Date;
  sent_at: Date | null;
  failed_at: Date | null;
}

const toMessage = (row: Row): OutboxMessage => ({
  id: row.id,
  kind: row.kind,
  recipient: row.recipient,
  payload: row.payload,
  status: row.status,
  attempts: row.attempts,
  availableAt: row.available_at,
  lockedUntil: row.locked_until,
  lockedBy: row.locked_by,
  lastError: row.last_error,
  providerMessageId: row.provider_message_id,
  createdAt: row.created_at,
  sentAt: row.sent_at,
  failedAt: row.failed_at,
});

/** Services hand the mailer an opaque transaction; only a real Sequelize one is accepted here. */
function asTransaction(transaction: unknown): Transaction | undefined {
  if (transaction === undefined || transaction === null) return undefined;
  if (transaction instanceof Transaction) return transaction;
  throw new TypeError('email outbox: `transaction` is not a database transaction');
}

export function createEmailOutboxRepository(sequelize: Sequelize, { EmailOutbox }: Models) {
  const run = async (sql: string, bind: unknown[]): Promise<Row[]> =>
    sequelize.query<Row>(sql, { bind, type: QueryTypes.SELECT });

  return {
    /**
     * Adds a message in the caller's transaction. `onCommitted` runs once the row is visible to
     * workers (after the commit, or at once without a transaction), to wake one up.
     */
    async enqueue(
      message: NewOutboxMessage,
      transaction?: unknown,
      onCommitted?: () => void,
    ): Promise<string> {
      const outer = asTransaction(transaction);
      const row = await EmailOutbox.create(
        {
          kind: message.kind,
          recipient: message.recipient,
          payload: message.payload,
          availableAt: message.at,
          createdAt: message.at,
          updatedAt: message.at,
        },
        { transaction: outer },
      );
      if (onCommitted) {
        if (outer) outer.afterCommit(() => onCommitted());
        else onCommitted();
      }
      return row.id;
    },

    /**
     * Claims up to `limit` due messages for `workerId` until `now + leaseMs`: pending ones whose
     * time has come, and claimed ones whose lease ran out (their worker died). Rows another
     * worker is claiming at this instant are skipped, not waited for, so no row goes to two.
     */
    async claim(options: {
      workerId: string;
      now: Date;
      leaseMs: number;
      limit: number;
    }): Promise<OutboxMessage[]> {
      const rows = await run(
        `WITH due AS (
           SELECT id FROM email_outbox
            WHERE (status = 'pending' AND available_at <= $1)
               OR (status = 'sending' AND locked_until <= $1)
            ORDER BY available_at, created_at
            LIMIT $4
            FOR UPDATE SKIP LOCKED
         )
         UPDATE email_outbox AS outbox
            SET status = 'sending', attempts = outbox.attempts + 1,
                locked_by = $2, locked_until = $3, updated_at = $1
           FROM due
          WHERE outbox.id = due.id
        RETURNING outbox.*`,
        [
          options.now,
          options.workerId,
          new Date(options.now.getTime() + options.leaseMs),
          options.limit,
        ],
      );
      return rows.map(toMessage).sort((a, b) => a.availableAt.getTime() - b.availableAt.getTime());
    },

    /** Delivered: the payload is dropped; the record stays. */
    async markSent(
      id: string,
      workerId: string,
      result: { now: Date; providerMessageId: string | null },
    ): Promise<boolean> {
      const rows = await run(
        `UPDATE email_outbox
            SET status = 'sent', sent_at = $3, updated_at = $3, payload = '{}'::jsonb,
                provider_message_id = $4, locked_by = NULL, locked_until = NULL, last_error = NULL
          WHERE id = $1 AND locked_by = $2 AND status = 'sending'
        RETURNING id`,
        [id, workerId, result.now, result.providerMessageId],
      );
      return rows.length === 1;
    },

    /** A transient failure: back to pending, not before `retryAt`. */
    async markRetry(
      id: string,
      workerId: string,
      result: { now: Date; retryAt: Date; error: string },
    ): Promise<boolean> {
      const rows = await run(
        `UPDATE email_outbox
            SET status = 'pending', available_at = $4, last_error = $5, updated_at = $3,
                locked_by = NULL, locked_until = NULL
          WHERE id = $1 AND locked_by = $2 AND status = 'sending'
        RETURNING id`,
        [id, workerId, result.now, result.retryAt, result.error],
      );
      return rows.length === 1;
    },

    /**
     * A permanent failure, or attempts used up: the payload is dropped as on delivery. The
     * message cannot be requeued; its links would be stale by then anyway, and the user asks for
     * new ones (forgot-password, resend-verification).
     */
    async markFailed(
      id: string,
      workerId: string,
      result: { now: Date; error: string },
    ): Promise<boolean> {
      const rows = await run(
        `UPDATE email_outbox
            SET status = 'failed', failed_at = $3, last_error = $4, updated_at = $3,
                payload = '{}'::jsonb, locked_by = NULL, locked_until = NULL
          WHERE id = $1 AND locked_by = $2 AND status = 'sending'
        RETURNING id`,
        [id, workerId, result.now, result.error],
      );
      return rows.length === 1;
    },

    /** Gives a claimed, unsent message back without counting the attempt (a worker stopping). */
    async release(id: string, workerId: string, now: Date): Promise<void> {
      await run(
        `UPDATE email_outbox
            SET status = 'pending', attempts = GREATEST(attempts - 1, 0), updated_at = $3,
                locked_by = NULL, locked_until = NULL
          WHERE id = $1 AND locked_by = $2 AND status = 'sending'
        RETURNING id`,
        [id, workerId, now],
      );
    },

    /** Removes sent messages older than `before`, a bounded number at a time. */
    async pruneSent(before: Date, limit = 1000): Promise<number> {
      const rows = await run(
        `DELETE FROM email_outbox
          WHERE id IN (SELECT id FROM email_outbox
                        WHERE status = 'sent' AND sent_at < $1 LIMIT $2)
        RETURNING id`,
        [before, limit],
      );
      return rows.length;
    },

    /** Messages not delivered yet (waiting or being sent) and when the oldest was queued. */
    async backlog(): Promise<{ pending: number; oldestCreatedAt: Date | null }> {
      const [row] = await sequelize.query<{ pending: number; oldest: Date | null }>(
        `SELECT count(*)::int AS pending, min(created_at) AS oldest FROM email_outbox
          WHERE status IN ('pending', 'sending')`,
        { type: QueryTypes.SELECT },
      );
      return { pending: row?.pending ?? 0, oldestCreatedAt: row?.oldest ?? null };
    },

    async findById(id: string): Promise<OutboxMessage | null> {
      const rows = await run('SELECT * FROM email_outbox WHERE id = $1', [id]);
      return rows[0] ? toMessage(rows[0]) : null;
    },

    async list(): Promise<OutboxMessage[]> {
      const rows = await run('SELECT * FROM email_outbox ORDER BY created_at, id', []);
      return rows.map(toMessage);
    },
  };
}

export type EmailOutboxRepository = ReturnType<typeof createEmailOutboxRepository>;
