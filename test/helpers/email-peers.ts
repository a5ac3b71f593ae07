/**
 * Real local peers for the email transports: an HTTP server that answers SendGrid's
 * `POST /v3/mail/send`, and an SMTP server (smtp-server) whose messages are parsed with
 * mailparser. Both listen on 127.0.0.1, port 0, and record what they receive.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { pino, type Logger } from 'pino';
import { SMTPServer } from 'smtp-server';
import type { Json } from './json.js';

export interface SendGridRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: Json;
}

export interface SendGridAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface SendGridStandIn {
  /** The base URL to set as SENDGRID_API_URL. */
  url: string;
  requests: SendGridRequest[];
  /** Decides each answer; by default 202 Accepted with an X-Message-Id. */
  answer: (request: SendGridRequest, index: number) => SendGridAnswer;
  /** How long each answer takes, as a slow provider's would. */
  delayMs: number;
  close(): Promise<void>;
}

const listen = (server: Server | SMTPServer) =>
  new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = (server as Server).address?.() ?? (server as SMTPServer).server.address();
      resolve((address as AddressInfo).port);
    });
  });

export async function startSendGridStandIn(): Promise<SendGridStandIn> {
  const standIn: SendGridStandIn = {
    url: '',
    requests: [],
    answer: (_request, index) => ({
      status: 202,
      headers: { 'X-Message-Id': `sg-${index + 1}` },
    }),
    delayMs: 0,
    close: async () => {},
  };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', async () => {
      if (standIn.delayMs) await new Promise((resolve) => setTimeout(resolve, standIn.delayMs));
      const text = Buffer.concat(chunks).toString('utf8');
      const recorded: SendGridRequest = {
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        body: text ? JSON.parse(text) : null,
      };
      const index = standIn.requests.push(recorded) - 1;
      const answer =
        recorded.method === 'POST' && recorded.path === '/v3/mail/send'
          ? standIn.answer(recorded, index)
          : { status: 404, body: { errors: [{ message: 'not found' }] } };
      response.writeHead(answer.status, {
        ...(answer.body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...answer.headers,
      });
      response.end(answer.body === undefined ? '' : JSON.stringify(answer.body));
    });
  });
  const port = await listen(server);
  standIn.url = `http://127.0.0.1:${port}/`;
  standIn.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return standIn;
}

export interface SmtpStandIn {
  port: number;
  messages: ParsedMail[];
  /** `user:password` of each successful AUTH. */
  logins: string[];
  /** Return an SMTP reply code to refuse the message (e.g. 451 transient, 550 permanent). */
  refuse: (index: number) => number | null;
  close(): Promise<void>;
}

export async function startSmtpStandIn(
  options: { user?: string; password?: string } = {},
): Promise<SmtpStandIn> {
  let received = 0;
  const standIn: SmtpStandIn = {
    port: 0,
    messages: [],
    logins: [],
    refuse: () => null,
    close: async () => {},
  };
  const server = new SMTPServer({
    authOptional: !options.user,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === options.user && auth.password === options.password) {
        standIn.logins.push(`${auth.username}:${auth.password}`);
        return callback(null, { user: auth.username });
      }
      return callback(Object.assign(new Error('Invalid credentials'), { responseCode: 535 }));
    },
    onData(stream, _session, callback) {
      const index = received++;
      simpleParser(stream).then(
        (parsed) => {
          const code = standIn.refuse(index);
          if (code) {
            const error = Object.assign(new Error(`refused by the test server (${code})`), {
              responseCode: code,
            });
            return callback(error);
          }
          standIn.messages.push(parsed);
          callback();
        },
        (error: Error) => callback(error),
      );
    },
  });
  standIn.port = await listen(server);
  standIn.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return standIn;
}

/** A pino logger whose lines (JSON) are kept for assertions. */
export function capturingLogger(): { logger: Logger; lines: () => string[] } {
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
  return { logger, lines: () => lines };
}

/** The first `href` of an HTML body that starts with `prefix`. */
export function linkIn(html: string, prefix: string): string | undefined {
  const escaped = prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`href="(${escaped}[^"]*)"`).exec(html);
  return match?.[1]?.replace(/&amp;/g, '&').replace(/&#x3D;/g, '=');
}
