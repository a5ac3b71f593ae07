import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { durationMs, TestClock } from '../../testing/src/clock.js';

const packageJson = (path: string) =>
  JSON.parse(readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8')) as {
    dependencies: Record<string, string>;
  };

describe('testing kit: the clock', () => {
  it('reads durations in ms, s, m, h and d', () => {
    expect(durationMs('500ms')).to.equal(500);
    expect(durationMs('30s')).to.equal(30_000);
    expect(durationMs('16m')).to.equal(960_000);
    expect(durationMs('2h')).to.equal(7_200_000);
    expect(durationMs('7d')).to.equal(604_800_000);
    expect(durationMs(1500)).to.equal(1500);
  });

  it('refuses a duration it cannot read, saying what it expects', () => {
    expect(() => durationMs('16 minutes' as never)).to.throw(/'500ms', '30s', '16m'/);
    expect(() => durationMs(-1)).to.throw(/0 or more/);
  });

  it('moves only when told to', () => {
    const clock = new TestClock(new Date('2026-01-01T00:00:00Z'));
    expect(clock.advance('16m').toISOString()).to.equal('2026-01-01T00:16:00.000Z');
    expect(clock.now().toISOString()).to.equal('2026-01-01T00:16:00.000Z');
  });
});

describe('testing kit: its package', () => {
  it('depends on every runtime dependency of the service, at the same version', () => {
    const service = packageJson('package.json').dependencies;
    const kit = packageJson('testing/package.json').dependencies;
    const missing = Object.entries(service).filter(([name, version]) => kit[name] !== version);
    expect(missing, 'add these to testing/package.json').to.deep.equal([]);
  });
});
