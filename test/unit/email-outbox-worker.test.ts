import { expect } from 'chai';
import { OutboxWorker } from '../../server/email/outbox-worker.js';
import { domainOf } from '../../server/lib/mailer/smtp-transport.js';
import { describeFailure, retryAfterMs } from '../../server/lib/mailer/transport.js';

const settings = {
  pollMs: 1000,
  batchSize: 10,
  maxAttempts: 10,
  backoffBaseMs: 5000,
  backoffMaxMs: 3_600_000,
  leaseMs: 120_000,
  sendTimeoutMs: 15_000,
  retentionMs: 0,
};

/** Only the backoff arithmetic is exercised here; the outbox itself is tested on PostgreSQL. */
const workerWith = (random: () => number) =>
  new OutboxWorker(
    { random } as unknown as ConstructorParameters<typeof OutboxWorker>[0],
    settings,
  );

describe('email retry timing', () => {
  it('doubles the wait after each failed attempt, up to the maximum', () => {
    const highest = workerWith(() => 1);
    expect([1, 2, 3, 4, 5].map((attempt) => highest.backoffMs(attempt))).to.deep.equal([
      5000, 10_000, 20_000, 40_000, 80_000,
    ]);
    expect(highest.backoffMs(30)).to.equal(3_600_000);
  });

  it('spreads retries between half and all of the wait, so instances do not retry in step', () => {
    expect(workerWith(() => 0).backoffMs(3)).to.equal(10_000);
    expect(workerWith(() => 0.5).backoffMs(3)).to.equal(15_000);
  });

  it('waits at least as long as the provider asked, within the maximum', () => {
    expect(workerWith(() => 0).backoffMs(1, 60_000)).to.equal(60_000);
    expect(workerWith(() => 0).backoffMs(1, 10 * 3_600_000)).to.equal(3_600_000);
  });

  it('reads Retry-After as seconds or as a date', () => {
    expect(retryAfterMs('30')).to.equal(30_000);
    expect(
      retryAfterMs(new Date(Date.UTC(2030, 0, 1, 0, 1)).toUTCString(), Date.UTC(2030, 0, 1)),
    ).to.equal(60_000);
    expect(retryAfterMs('soon')).to.equal(undefined);
    expect(retryAfterMs(undefined)).to.equal(undefined);
  });

  it('keeps failure descriptions to one bounded line', () => {
    const line = describeFailure(new TypeError(`bad\n${'x'.repeat(1000)}`));
    expect(line).to.match(/^TypeError: bad x/);
    expect(line).to.have.length(500);
  });

  it('names the sender domain in Message-IDs', () => {
    expect(domainOf('Acme <noreply@acme.test>')).to.equal('acme.test');
    expect(domainOf('noreply@mg.example.com')).to.equal('mg.example.com');
    expect(domainOf('nobody')).to.equal('localhost');
  });
});
