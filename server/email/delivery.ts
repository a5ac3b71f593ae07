/**
 * Email delivery, assembled: the transport EMAIL_BACKEND chose, the templates (loaded and
 * checked now, so a broken one stops the start), the outbox mailer the services call, and the
 * worker that delivers. Nothing is sent until the worker is started.
 */
import type { Config } from '../config/index.js';
import type { EmailOutboxRepository } from '../repositories/email-outbox.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { Telemetry } from '../lib/telemetry.js';
import { ConsoleTransport } from '../lib/mailer/console-transport.js';
import { OutboxMailer } from './outbox-mailer.js';
import { OutboxWorker } from './outbox-worker.js';
import { SendGridTransport } from '../lib/mailer/sendgrid-transport.js';
import { SmtpTransport } from '../lib/mailer/smtp-transport.js';
import { EmailTemplates } from '../lib/mailer/templates.js';
import type { EmailTransport } from '../lib/mailer/transport.js';
import type { Mailer } from '../lib/mailer/types.js';

export type { Mailer } from '../lib/mailer/types.js';
export { EmailTemplateError, EmailTemplates } from '../lib/mailer/templates.js';
export { OutboxWorker } from './outbox-worker.js';

export type EmailConfig = Pick<
  Config,
  'env' | 'email' | 'appName' | 'supportEmail' | 'frontendUrl'
>;

export interface EmailDelivery {
  mailer: Mailer;
  worker: OutboxWorker;
  transport: EmailTransport;
  templates: EmailTemplates;
  /** Stops the worker (bounded) and closes the transport's connections. */
  close(timeoutMs?: number): Promise<void>;
}

function createEmailTransport(
  email: Config['email'],
  write?: (text: string) => void,
): EmailTransport {
  switch (email.backend) {
    case 'sendgrid':
      return new SendGridTransport({
        apiKey: email.sendgrid!.apiKey,
        apiUrl: email.sendgrid!.apiUrl,
        sandboxMode: email.sendgrid!.sandboxMode,
        timeoutMs: email.sendTimeoutMs,
      });
    case 'smtp':
      return new SmtpTransport({
        host: email.host!,
        port: email.port,
        user: email.user,
        password: email.password,
        useTls: email.useTls,
        timeoutMs: email.sendTimeoutMs,
      });
    default:
      return new ConsoleTransport(write);
  }
}

export function loadEmailTemplates(config: EmailConfig): EmailTemplates {
  return EmailTemplates.load(config.email.templatesDir, {
    appName: config.appName,
    supportEmail: config.supportEmail,
    frontendUrl: config.frontendUrl,
  });
}

export function createEmailDelivery(
  config: EmailConfig,
  deps: {
    outbox: EmailOutboxRepository;
    clock: Clock;
    logger: Logger;
    telemetry?: Telemetry;
    /** Where the console transport writes (stdout by default). */
    write?: (text: string) => void;
    workerId?: string;
  },
): EmailDelivery {
  const templates = loadEmailTemplates(config);
  const transport = createEmailTransport(config.email, deps.write);
  const { outbox } = config.email;
  const worker = new OutboxWorker(
    {
      outbox: deps.outbox,
      transport,
      templates,
      clock: deps.clock,
      logger: deps.logger,
      from: config.email.defaultFrom,
      telemetry: deps.telemetry,
      workerId: deps.workerId,
    },
    {
      pollMs: outbox.pollMs,
      batchSize: outbox.batchSize,
      maxAttempts: outbox.maxAttempts,
      backoffBaseMs: outbox.backoffBaseMs,
      backoffMaxMs: outbox.backoffMaxMs,
      leaseMs: outbox.leaseMs,
      sendTimeoutMs: config.email.sendTimeoutMs,
      retentionMs: outbox.retentionDays * 24 * 3_600_000,
    },
  );
  if (config.env === 'production' && transport.name === 'console') {
    deps.logger.warn(
      "email goes to the console, not to anyone's inbox: set SENDGRID_API_KEY or EMAIL_HOST (EMAIL_BACKEND)",
    );
  }
  return {
    mailer: new OutboxMailer(deps.outbox, deps.clock, () => worker.nudge()),
    worker,
    transport,
    templates,
    async close(timeoutMs = 10_000) {
      await worker.stop(timeoutMs);
      await transport.close();
    },
  };
}
