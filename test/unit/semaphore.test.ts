import { expect } from 'chai';
import { QueueFullError, Semaphore } from '../../server/lib/semaphore.js';

/** A task the test finishes by hand, so "how many run at once" is observed, not timed. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('Semaphore', () => {
  it('runs at most `capacity` tasks at once and starts the next as one finishes', async () => {
    const semaphore = new Semaphore(2, 10);
    let running = 0;
    let peak = 0;
    const gates = Array.from({ length: 5 }, gate);
    const started: number[] = [];
    const results = gates.map((each, index) =>
      semaphore.run(async () => {
        running += 1;
        peak = Math.max(peak, running);
        started.push(index);
        await each.opened;
        running -= 1;
        return index;
      }),
    );
    await tick();
    expect(started).to.deep.equal([0, 1]);
    expect(semaphore.queued).to.equal(3);

    gates[1]!.open();
    await tick();
    expect(started).to.deep.equal([0, 1, 2]);

    for (const each of gates) each.open();
    expect(await Promise.all(results)).to.deep.equal([0, 1, 2, 3, 4]);
    expect(peak).to.equal(2);
    expect(semaphore.queued).to.equal(0);
  });

  it('refuses work beyond the queue limit with QueueFullError, without running it', async () => {
    const semaphore = new Semaphore(1, 1);
    const first = gate();
    let ranRefused = false;
    const running = semaphore.run(() => first.opened);
    const queued = semaphore.run(async () => 'queued');
    const refused = semaphore.run(async () => {
      ranRefused = true;
    });
    let error: unknown;
    await refused.catch((caught) => (error = caught));
    expect(error).to.be.instanceOf(QueueFullError);
    expect(ranRefused).to.equal(false);

    first.open();
    await running;
    expect(await queued).to.equal('queued');
  });

  it('with a queue limit of 0, refuses anything while every slot is busy', async () => {
    const semaphore = new Semaphore(1, 0);
    const busy = gate();
    const running = semaphore.run(() => busy.opened);
    let error: unknown;
    await semaphore.run(async () => undefined).catch((caught) => (error = caught));
    expect(error).to.be.instanceOf(QueueFullError);
    busy.open();
    await running;
    expect(await semaphore.run(async () => 'free again')).to.equal('free again');
  });

  it('frees the slot when a task fails', async () => {
    const semaphore = new Semaphore(1, 0);
    let error: unknown;
    await semaphore
      .run(async () => {
        throw new Error('boom');
      })
      .catch((caught) => (error = caught));
    expect((error as Error).message).to.equal('boom');
    expect(await semaphore.run(async () => 'next')).to.equal('next');
  });
});
