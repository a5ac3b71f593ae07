/**
 * SendGrid's Web API (v3 mail/send) through `@sendgrid/mail`, with a client of our own (never
 * the module's shared singleton). The base URL can point elsewhere (tests, proxies): it is set
 * after the key, because `setApiKey` resets it to the region's default.
 */
import { Client } from '@sendgrid/client';
import { MailService } from '@sendgrid/mail';
import {
  TransportError,
  retryAfterMs,
  type DeliveryReceipt,
  type EmailTransport,
  type OutgoingEmail,
} from './transport.js';

export interface SendGridOptions {
  apiKey: string;
  /** e.g. `http://127.0.0.1:4010/`; the default is SendGrid's own API. */
  apiUrl?: string;
  /** SendGrid validates the request but delivers nothing. */
  sandboxMode: boolean;
  timeoutMs: number;
}

interface SendGridFailure {
  code?: number | string;
  message?: string;
  response?: { headers?: Record<string, unknown>; body?: unknown };
}

export class SendGridTransport implements EmailTransport {
  readonly name = 'sendgrid';
  private readonly service = new MailService();

  constructor(private readonly options: SendGridOptions) {
    const client = new Client();
    client.setApiKey(options.apiKey);
    if (options.apiUrl) client.setDefaultRequest('baseUrl', options.apiUrl);
    this.service.setClient(client);
    this.service.setTimeout(options.timeoutMs);
  }

  async send(message: OutgoingEmail): Promise<DeliveryReceipt> {
    try {
      const [response] = await this.service.send({
        to: message.to,
        from: message.from,
        subject: message.subject,
        text: message.text,
        html: message.html,
        customArgs: { outbox_id: message.id },
        categories: [message.kind],
        // Links carry single-use tokens: they must reach the user as written, not through a
        // click-tracking redirect that would also hand the token to a third party.
        trackingSettings: {
          clickTracking: { enable: false, enableText: false },
          openTracking: { enable: false },
        },
        mailSettings: { sandboxMode: { enable: this.options.sandboxMode } },
      });
      const id = response.headers?.['x-message-id'];
      return { providerMessageId: typeof id === 'string' ? id : null };
    } catch (error) {
      throw classify(error as SendGridFailure);
    }
  }

  async close() {}
}

function classify(error: SendGridFailure): TransportError {
  const status = typeof error.code === 'number' ? error.code : undefined;
  if (status === undefined) {
    // No HTTP answer: refused, reset, timed out, DNS. Worth another try.
    const code = typeof error.code === 'string' ? ` (${error.code})` : '';
    return new TransportError(
      `SendGrid unreachable${code}: ${error.message ?? 'no response'}`,
      false,
    );
  }
  const detail = firstApiError(error.response?.body) ?? error.message ?? 'request failed';
  const summary = `SendGrid answered ${status}: ${detail}`;
  if (status === 429 || status >= 500)
    return new TransportError(
      summary,
      false,
      retryAfterMs(error.response?.headers?.['retry-after']),
    );
  // 401/403: the key is wrong or lacks the "mail send" permission; fixing it must not lose mail.
  if (status === 401 || status === 403) return new TransportError(summary, false);
  return new TransportError(summary, true);
}

function firstApiError(body: unknown): string | undefined {
  const errors = (body as { errors?: Array<{ message?: string; field?: string | null }> } | null)
    ?.errors;
  const first = Array.isArray(errors) ? errors[0] : undefined;
  if (!first?.message) return undefined;
  return first.field ? `${first.message} (${first.field})` : first.message;
}
