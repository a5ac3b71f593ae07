import { expect } from 'chai';
import { performance } from 'node:perf_hooks';
import { DurationMatcher } from '../../server/lib/duration-matcher.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function timed(work: () => Promise<void>) {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

describe('DurationMatcher (unknown emails wait as long as known ones)', () => {
  it('does not wait before any real request has been measured', async () => {
    const matcher = new DurationMatcher();
    expect(await timed(() => matcher.waitFrom(matcher.start()))).to.be.below(5);
  });

  it('makes the miss path last about as long as the measured real path', async () => {
    const matcher = new DurationMatcher();
    for (let index = 0; index < 3; index += 1) {
      const startedAt = matcher.start();
      await sleep(40);
      matcher.record(startedAt);
    }
    const waited = await timed(() => matcher.waitFrom(matcher.start()));
    expect(waited).to.be.within(35, 120);
  });

  it('counts the time the miss path already spent', async () => {
    const matcher = new DurationMatcher();
    const startedAt = matcher.start();
    await sleep(40);
    matcher.record(startedAt);
    const missStarted = matcher.start();
    await sleep(30);
    expect(await timed(() => matcher.waitFrom(missStarted))).to.be.below(25);
  });

  it('never waits longer than its cap', async () => {
    const matcher = new DurationMatcher(4, 20);
    const startedAt = matcher.start();
    await sleep(80);
    matcher.record(startedAt);
    expect(await timed(() => matcher.waitFrom(matcher.start()))).to.be.below(60);
  });
});
