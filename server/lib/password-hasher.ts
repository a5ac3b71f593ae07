/**
 * Password hashing with scrypt (scrypt-kdf's self-describing format: parameters, salt and an
 * HMAC in one string). The work runs on libuv's thread pool, never on the event loop, and at
 * most `concurrency` hashes run at once (see Semaphore).
 */
import { setTimeout as delay } from 'node:timers/promises';
import * as scryptModule from 'scrypt-kdf';
import type { Logger } from './logger.js';
import { QueueFullError, Semaphore } from './semaphore.js';
import { silentTelemetry, type Telemetry } from './telemetry.js';

export interface ScryptParameters {
  logN: number;
  r: number;
  p: number;
}

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
  /** True when the hash was made with weaker parameters than the configured ones. */
  needsRehash(hash: string): boolean;
  /** Spends the same work as a real verification, for unknown accounts. */
  verifyDummy(password: string): Promise<void>;
  readonly parameters: ScryptParameters;
  /** Hashes waiting for a slot right now. */
  readonly queueDepth: number;
}

// scrypt-kdf declares named exports, but at runtime it has a default export only.
const Scrypt = (scryptModule as unknown as { default: typeof scryptModule }).default;

const PREFIX = 'scrypt$';

/** Refusals are reported in one warning per interval, with their count. */
const REFUSAL_REPORT_INTERVAL_MS = 10_000;

export class ScryptPasswordHasher implements PasswordHasher {
  private readonly slots: Semaphore;
  private readonly refusalDelayMs: number;
  private readonly logger: Logger | undefined;
  private readonly telemetry: Telemetry;
  private dummyHash: Promise<string> | undefined;
  private refusedSinceReport = 0;
  private lastReportAt = -Infinity;

  constructor(
    readonly parameters: ScryptParameters,
    options: {
      concurrency: number;
      queueLimit: number;
      /** A refusal (full queue) is answered after this pause; see `run`. */
      refusalDelayMs?: number;
      logger?: Logger;
      telemetry?: Telemetry;
    },
  ) {
    this.slots = new Semaphore(options.concurrency, options.queueLimit);
    this.refusalDelayMs = options.refusalDelayMs ?? 0;
    this.logger = options.logger;
    this.telemetry = options.telemetry ?? silentTelemetry;
  }

  get queueDepth(): number {
    return this.slots.queued;
  }

  async hash(password: string): Promise<string> {
    const key = await this.run('password.hash', () => Scrypt.kdf(password, this.parameters));
    return PREFIX + Buffer.from(key).toString('base64');
  }

  async verify(hash: string, password: string): Promise<boolean> {
    const key = decode(hash);
    if (!key) return false;
    return this.run('password.verify', () => Scrypt.verify(key, password));
  }

  /**
   * Runs the work in a hashing slot. A refusal waits `refusalDelayMs` before it is thrown: a
   * flood's client that ignores Retry-After and asks again at once would otherwise turn
   * refusals into a busy loop, and the CPU it burns (here and in its own process, when it
   * shares the machine) is taken from every other request. The pause costs a timer, not CPU.
   */
  private run<T>(name: string, work: () => Promise<T>): Promise<T> {
    return this.telemetry.span(name, {}, () => {
      const queuedAt = performance.now();
      const timed = () => {
        const startedAt = performance.now();
        return work().finally(() =>
          this.telemetry.passwordHashed(
            (startedAt - queuedAt) / 1000,
            (performance.now() - startedAt) / 1000,
          ),
        );
      };
      return this.slots.run(timed).catch(async (error: unknown) => {
        if (error instanceof QueueFullError) {
          this.noteRefusal();
          if (this.refusalDelayMs > 0) await delay(this.refusalDelayMs);
        }
        throw error;
      });
    });
  }

  /**
   * A full queue is load shedding, not a fault: the client gets 503 with Retry-After. During
   * a flood that happens hundreds of times a second, and a log line (with a stack) for each
   * would cost more than the refusal and bury the logs; one warning per interval says it.
   */
  private noteRefusal() {
    this.telemetry.passwordHashRefused();
    this.refusedSinceReport += 1;
    const now = performance.now();
    if (now - this.lastReportAt < REFUSAL_REPORT_INTERVAL_MS) return;
    this.logger?.warn(
      { refused: this.refusedSinceReport, queueLimit: this.slots.queueLimit },
      'password hashing at capacity: refusing with 503',
    );
    this.refusedSinceReport = 0;
    this.lastReportAt = now;
  }

  needsRehash(hash: string): boolean {
    const key = decode(hash);
    if (!key) return true;
    const current = Scrypt.viewParams(key);
    return (
      current.logN < this.parameters.logN ||
      current.r < this.parameters.r ||
      current.p < this.parameters.p
    );
  }

  async verifyDummy(password: string): Promise<void> {
    this.dummyHash ??= this.hash(randomPlaceholder());
    await this.verify(await this.dummyHash, password);
  }

  /** Makes the dummy hash ahead of the first unknown-email login, so that one is not slower. */
  async warmUp(): Promise<void> {
    this.dummyHash ??= this.hash(randomPlaceholder());
    await this.dummyHash;
  }
}

function decode(hash: string): Uint8Array | null {
  if (!hash.startsWith(PREFIX)) return null;
  return new Uint8Array(Buffer.from(hash.slice(PREFIX.length), 'base64'));
}

function randomPlaceholder() {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString('base64');
}
