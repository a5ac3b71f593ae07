import { expect } from 'chai';
import { DurationMatcher, type Stopwatch } from '../../server/lib/duration-matcher.js';

/** A stopwatch that moves only when told, and records each wait (which moves it too). */
class ManualStopwatch implements Stopwatch {
  current = 1_000;
  readonly waits: number[] = [];
  now() {
    return this.current;
  }
  advance(ms: number) {
    this.current += ms;
  }
  async wait(ms: number) {
    this.waits.push(ms);
    this.current += ms;
  }
}

/** How long `waitFrom` waited, on the manual stopwatch. */
async function waited(stopwatch: ManualStopwatch, work: () => Promise<void>) {
  const before = stopwatch.now();
  await work();
  return stopwatch.now() - before;
}

describe('DurationMatcher (unknown emails wait as long as known ones)', () => {
  let stopwatch: ManualStopwatch;
  beforeEach(() => {
    stopwatch = new ManualStopwatch();
  });

  /** A real request that took `ms`. */
  const realRequest = (matcher: DurationMatcher, ms: number) => {
    const startedAt = matcher.start();
    stopwatch.advance(ms);
    matcher.record(startedAt);
  };

  it('does not wait before any real request has been measured', async () => {
    const matcher = new DurationMatcher(32, 2000, stopwatch);
    expect(await waited(stopwatch, () => matcher.waitFrom(matcher.start()))).to.equal(0);
    expect(stopwatch.waits).to.deep.equal([]);
  });

  it('makes the miss path last as long as one of the measured real paths', async () => {
    const matcher = new DurationMatcher(32, 2000, stopwatch);
    for (const ms of [40, 40, 40]) realRequest(matcher, ms);
    expect(await waited(stopwatch, () => matcher.waitFrom(matcher.start()))).to.equal(40);

    const mixed = new DurationMatcher(32, 2000, stopwatch);
    for (const ms of [30, 50, 70]) realRequest(mixed, ms);
    for (let miss = 0; miss < 20; miss += 1) {
      expect(await waited(stopwatch, () => mixed.waitFrom(mixed.start()))).to.be.oneOf([
        30, 50, 70,
      ]);
    }
  });

  it('counts the time the miss path already spent', async () => {
    const matcher = new DurationMatcher(32, 2000, stopwatch);
    realRequest(matcher, 40);
    const missStarted = matcher.start();
    stopwatch.advance(30);
    expect(await waited(stopwatch, () => matcher.waitFrom(missStarted))).to.equal(10);
    // A miss that already took longer than the real path does not wait at all.
    const slowMiss = matcher.start();
    stopwatch.advance(55);
    await matcher.waitFrom(slowMiss);
    expect(stopwatch.waits).to.deep.equal([10]);
  });

  it('never waits longer than its cap', async () => {
    const matcher = new DurationMatcher(4, 20, stopwatch);
    realRequest(matcher, 80);
    expect(await waited(stopwatch, () => matcher.waitFrom(matcher.start()))).to.equal(20);
  });

  it('draws from the most recent durations only', async () => {
    const matcher = new DurationMatcher(2, 2000, stopwatch);
    for (const ms of [500, 20, 20]) realRequest(matcher, ms);
    for (let miss = 0; miss < 10; miss += 1) {
      expect(await waited(stopwatch, () => matcher.waitFrom(matcher.start()))).to.equal(20);
    }
  });
});
