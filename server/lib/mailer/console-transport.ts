import type { DeliveryReceipt, EmailTransport, OutgoingEmail } from './transport.js';

/** Development transport: prints each message's text part, links included, to stdout. */
export class ConsoleTransport implements EmailTransport {
  readonly name = 'console';

  constructor(
    private readonly write: (text: string) => void = (text) => process.stdout.write(text),
  ) {}

  async send(message: OutgoingEmail): Promise<DeliveryReceipt> {
    this.write(
      [
        '',
        `----- email ${message.id} (${message.kind}) -----`,
        `From: ${message.from}`,
        `To: ${message.to}`,
        `Subject: ${message.subject}`,
        '',
        message.text.trimEnd(),
        '-----',
        '',
      ].join('\n'),
    );
    return { providerMessageId: null };
  }

  async close() {}
}
