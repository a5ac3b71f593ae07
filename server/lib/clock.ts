/** Time is a dependency: expiry is tested by moving a clock, never by sleeping. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** Seconds since the epoch, as JWT claims count them. */
export const epochSeconds = (clock: Clock): number => Math.floor(clock.now().getTime() / 1000);
