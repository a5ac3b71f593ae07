/**
 * Mail captured in memory. The service hands its mailer a message per event (welcome, reset,
 * verification, password changed, ...); the kit's mailer keeps each one, with the links in it
 * and their tokens already read out, and `waitFor` resolves when a matching one arrives.
 */
import type { Mailer } from '../../server/lib/mailer/types.js';

export interface CapturedMail {
  /** What the message is about, from the mailer's verb: `sendPasswordReset` → `password_reset`. */
  kind: string;
  to: string;
  /** Every URL in the message (the verification or reset link, say). */
  links: string[];
  /** The `token` of the first link that carries one, ready for `verify-email/` or `reset-password/`. */
  token: string | null;
  /** The message as the service composed it. */
  data: Record<string, unknown>;
}

export interface WaitForOptions {
  kind?: string;
  /** How long to wait for it; 2 seconds unless given. */
  timeoutMs?: number;
}

const kindOf = (verb: string) =>
  verb
    .slice('send'.length)
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase();

function linksIn(message: Record<string, unknown>): string[] {
  return Object.values(message).filter(
    (value): value is string => typeof value === 'string' && /^https?:\/\//.test(value),
  );
}

function tokenOf(links: string[]): string | null {
  for (const link of links) {
    const token = new URL(link).searchParams.get('token');
    if (token) return token;
  }
  return null;
}

const sameAddress = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

export class Mailbox {
  private readonly messages: CapturedMail[] = [];
  private readonly waiters = new Set<() => void>();

  /** The mailer the service sends through: every `send...` verb lands here. */
  readonly mailer: Mailer = new Proxy({} as Mailer, {
    get: (_target, verb) => {
      if (typeof verb !== 'string' || !verb.startsWith('send')) return undefined;
      return async (message: Record<string, unknown> & { to: string }) => {
        const links = linksIn(message);
        this.messages.push({
          // One verb sends several kinds of security notice: the message names its own.
          kind: typeof message.kind === 'string' ? message.kind : kindOf(verb),
          to: message.to,
          links,
          token: tokenOf(links),
          data: { ...message },
        });
        for (const wake of this.waiters) wake();
      };
    },
  });

  /** Everything received so far, oldest first (optionally only for one address). */
  all(address?: string): CapturedMail[] {
    return this.messages.filter((mail) => !address || sameAddress(mail.to, address));
  }

  /** The newest message to `address` (of `kind`), if any has arrived. */
  latest(address: string, kind?: string): CapturedMail | undefined {
    return this.all(address)
      .filter((mail) => !kind || mail.kind === kind)
      .at(-1);
  }

  /**
   * The newest message to `address` (of `kind`), now or as soon as it arrives. Times out with
   * what the mailbox does hold, so a failing test says what was sent instead.
   */
  waitFor(address: string, options: WaitForOptions = {}): Promise<CapturedMail> {
    if (typeof address !== 'string' || !address.includes('@')) {
      return Promise.reject(
        new TypeError(`waitFor(): expected an email address, got ${String(address)}`),
      );
    }
    const timeoutMs = options.timeoutMs ?? 2000;
    const found = () => this.latest(address, options.kind);
    const already = found();
    if (already) return Promise.resolve(already);
    return new Promise((resolve, reject) => {
      const check = () => {
        const mail = found();
        if (!mail) return;
        done();
        resolve(mail);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(this.describeMiss(address, options.kind, timeoutMs)));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
    });
  }

  clear(): void {
    this.messages.length = 0;
  }

  private describeMiss(address: string, kind: string | undefined, timeoutMs: number): string {
    const wanted = `${kind ? `a ${kind} message` : 'a message'} to ${address}`;
    const held = this.messages.map((mail) => `${mail.kind} to ${mail.to}`);
    return `No ${wanted} within ${timeoutMs} ms. The mailbox holds ${
      held.length ? `${held.length}: ${held.join(', ')}` : 'nothing'
    }.`;
  }
}
