/**
 * The kit's clock: the service reads the time only through it, so a test moves time forward
 * (`advance('16m')` outlives an access token) instead of sleeping.
 */
import type { Clock } from '../../server/lib/clock.js';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/** `'500ms'`, `'30s'`, `'16m'`, `'2h'`, `'7d'`, or a number of milliseconds. */
export type Duration = number | `${number}${keyof typeof UNIT_MS}`;

export function durationMs(duration: Duration): number {
  if (typeof duration === 'number') {
    if (Number.isFinite(duration) && duration >= 0) return duration;
    throw new TypeError(`advance(${duration}): expected a number of milliseconds, 0 or more`);
  }
  const match = DURATION.exec(String(duration).trim());
  if (!match) {
    throw new TypeError(
      `advance('${duration}'): expected a number and a unit, such as '500ms', '30s', '16m', '2h' or '7d'`,
    );
  }
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

export class TestClock implements Clock {
  private current: number;

  constructor(start: Date = new Date()) {
    this.current = start.getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  /** Moves time forward; the service sees the new time on its next read of the clock. */
  advance(duration: Duration): Date {
    this.current += durationMs(duration);
    return this.now();
  }

  /** Puts the clock at a moment (back to the real time with `set(new Date())`). */
  set(moment: Date): void {
    if (Number.isNaN(moment.getTime())) throw new TypeError('set(): expected a valid Date');
    this.current = moment.getTime();
  }
}
