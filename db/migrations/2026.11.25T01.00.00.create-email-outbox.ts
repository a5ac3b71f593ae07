import type { Migration } from '../migrate.js';

/**
 * The durable outbox: a message is a row written in the same transaction as the change that
 * causes it, so a crash between the request and the send loses nothing. The worker claims rows
 * with FOR UPDATE SKIP LOCKED and a lease (locked_until), so instances never send one twice and
 * a crashed worker's claim expires.
 */
export const up: Migration = ({ context: sequelize }) =>
  sequelize.query(`
    CREATE TABLE email_outbox (
      id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
      kind           varchar(64) NOT NULL,
      recipient      text NOT NULL,
      -- What the template needs; rendered at send time, emptied once the message is sent.
      payload        jsonb NOT NULL DEFAULT '{}'::jsonb,
      status         varchar(16) NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
      attempts       integer NOT NULL DEFAULT 0,
      available_at   timestamptz NOT NULL DEFAULT now(),
      locked_until   timestamptz,
      locked_by      varchar(128),
      last_error     text,
      provider_message_id varchar(255),
      created_at     timestamptz NOT NULL DEFAULT now(),
      updated_at     timestamptz NOT NULL DEFAULT now(),
      sent_at        timestamptz,
      failed_at      timestamptz
    );
    -- The worker's question: what is due (pending and available, or sending with a lapsed lease)?
    CREATE INDEX email_outbox_due_idx ON email_outbox (available_at)
      WHERE status IN ('pending', 'sending');
    CREATE INDEX email_outbox_sent_idx ON email_outbox (sent_at) WHERE status = 'sent';
  `);

export const down: Migration = ({ context: sequelize }) =>
  sequelize.query('DROP TABLE email_outbox');
