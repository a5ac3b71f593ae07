/**
 * Makes a path that has nothing to do take as long as the path that does the work.
 *
 * "If an account exists, we sent a link" must not be answered faster for unknown emails: the
 * real path writes to PostgreSQL (a commit waits for the disk), the miss path does not, and a
 * few milliseconds are enough to tell them apart over many requests. So the real path reports
 * how long it took, and the miss path waits as long as one of those recent durations, chosen at
 * random, so both the typical time and its spread match. Until the first real request has been
 * measured the miss path does not wait (nothing to match yet).
 */
import { performance } from 'node:perf_hooks';

/** A monotonic clock in milliseconds and a way to wait on it; tests pass one they move. */
export interface Stopwatch {
  now(): number;
  wait(ms: number): Promise<void>;
}

const realStopwatch: Stopwatch = {
  now: () => performance.now(),
  wait: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export class DurationMatcher {
  private readonly samples: number[] = [];
  private next = 0;

  constructor(
    /** How many recent durations to draw from. */
    private readonly capacity = 32,
    /** Never wait longer than this, whatever a stalled real request took. */
    private readonly maxWaitMs = 2000,
    private readonly stopwatch: Stopwatch = realStopwatch,
  ) {}

  /** A timestamp to pass to `record` or `waitFrom`. */
  start(): number {
    return this.stopwatch.now();
  }

  /** The real path finished: remember how long it took since `startedAt`. */
  record(startedAt: number): void {
    const duration = this.stopwatch.now() - startedAt;
    if (this.samples.length < this.capacity) this.samples.push(duration);
    else this.samples[this.next] = duration;
    this.next = (this.next + 1) % this.capacity;
  }

  /** The miss path: wait until as much time has passed since `startedAt` as a real request took. */
  async waitFrom(startedAt: number): Promise<void> {
    if (!this.samples.length) return;
    const target = this.samples[Math.floor(Math.random() * this.samples.length)]!;
    const remaining = Math.min(target, this.maxWaitMs) - (this.stopwatch.now() - startedAt);
    if (remaining >= 1) await this.stopwatch.wait(remaining);
  }
}
