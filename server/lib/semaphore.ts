/**
 * A counting semaphore with a bounded wait queue. It keeps expensive work (scrypt) to a fixed
 * number of slots so libuv's thread pool always has room for everything else, and refuses
 * work beyond the queue limit instead of letting latency grow without bound.
 */
export class QueueFullError extends Error {
  override name = 'QueueFullError';
}

export class Semaphore {
  private available: number;
  private readonly waiting: Array<() => void> = [];

  constructor(
    readonly capacity: number,
    readonly queueLimit: number,
  ) {
    this.available = capacity;
  }

  get queued(): number {
    return this.waiting.length;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.available > 0) {
      this.available -= 1;
      return Promise.resolve();
    }
    if (this.waiting.length >= this.queueLimit) {
      return Promise.reject(new QueueFullError('too many operations waiting'));
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release() {
    const next = this.waiting.shift();
    if (next) next();
    else this.available += 1;
  }
}
