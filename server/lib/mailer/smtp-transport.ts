/**
 * SMTP through nodemailer, configured with the original service's settings (EMAIL_HOST,
 * EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS): port 465 is TLS from the
 * first byte; otherwise EMAIL_USE_TLS=true requires STARTTLS (Gmail, SendGrid and Mailgun on
 * 587) and false sends in the clear (a local relay or a test server).
 */
import nodemailer, { type Transporter } from 'nodemailer';
import {
  TransportError,
  type DeliveryReceipt,
  type EmailTransport,
  type OutgoingEmail,
} from './transport.js';

export interface SmtpOptions {
  host: string;
  port: number;
  user: string | undefined;
  password: string | undefined;
  useTls: boolean;
  timeoutMs: number;
}

interface SmtpFailure {
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
  message?: string;
}

export class SmtpTransport implements EmailTransport {
  readonly name = 'smtp';
  private readonly transporter: Transporter;

  constructor(options: SmtpOptions) {
    const implicitTls = options.port === 465;
    this.transporter = nodemailer.createTransport({
      host: options.host,
      port: options.port,
      secure: implicitTls,
      requireTLS: options.useTls && !implicitTls,
      ignoreTLS: !options.useTls && !implicitTls,
      auth: options.user ? { user: options.user, pass: options.password ?? '' } : undefined,
      // One connection reused across messages, a few in parallel at most.
      pool: true,
      maxConnections: 3,
      connectionTimeout: options.timeoutMs,
      greetingTimeout: options.timeoutMs,
      socketTimeout: options.timeoutMs,
      dnsTimeout: options.timeoutMs,
    });
  }

  async send(message: OutgoingEmail): Promise<DeliveryReceipt> {
    try {
      const info = await this.transporter.sendMail({
        from: message.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        // Stable per outbox row: a retried message keeps its id, so receivers can de-duplicate.
        messageId: `<${message.id}@${domainOf(message.from)}>`,
        headers: { 'X-Outbox-Id': message.id, 'X-Email-Kind': message.kind },
      });
      return { providerMessageId: info.messageId ?? null };
    } catch (error) {
      throw classify(error as SmtpFailure);
    }
  }

  async close() {
    this.transporter.close();
  }
}

/** The domain of `Name <user@domain>` or `user@domain`, for the Message-ID. */
export function domainOf(address: string): string {
  const match = /@([^\s<>@]+)>?\s*$/.exec(address);
  return match?.[1] ?? 'localhost';
}

function classify(error: SmtpFailure): TransportError {
  const code = error.responseCode;
  // The server's reply text is kept (it explains a rejection); the command line is not, since an
  // AUTH command would carry credentials.
  const reply = (error.response ?? error.message ?? 'failed').replace(/\s+/g, ' ').slice(0, 300);
  if (code === undefined) {
    return new TransportError(`SMTP ${error.code ?? 'error'}: ${reply}`, false);
  }
  const summary = `SMTP ${code}: ${reply}`;
  // 5xx is a permanent refusal of this message, except for authentication (535, 530, 534),
  // which is our configuration and is retried while an operator fixes it.
  if (code >= 500 && error.code !== 'EAUTH' && ![530, 534, 535].includes(code))
    return new TransportError(summary, true);
  return new TransportError(summary, false);
}
