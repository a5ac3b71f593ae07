/**
 * One suite, two stores: whatever the service keeps in Redis behaves the same when the
 * zero-setup in-process store stands in for it. Expiry cases move time instead of sleeping: the
 * in-process store's clock, or the TTLs of the suite's keys in Redis (helpers/redis-time.ts).
 */
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import {
  CacheUnavailableError,
  MemoryKeyValueStore,
  type KeyValueStore,
} from '../../server/lib/cache.js';
import { createLogger } from '../../server/lib/logger.js';
import { RedisConnection } from '../../server/lib/redis-connection.js';
import { RedisKeyValueStore } from '../../server/lib/redis-store.js';
import { testEnvironment } from '../setup.js';
import { ManualClock } from '../helpers/clock.js';
import { redisTime } from '../helpers/redis-time.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const silent = createLogger({ level: 'silent', pretty: false });

interface StoreUnderTest {
  store: KeyValueStore;
  /** Lets `seconds` pass for the store's TTLs. */
  advanceSeconds(seconds: number): Promise<void>;
  dispose(): Promise<void>;
}

function describeKeyValueStore(name: string, open: () => Promise<StoreUnderTest | null>) {
  describe(`the key-value store: ${name}`, function () {
    this.timeout(10_000);
    let subject: StoreUnderTest;
    let store: KeyValueStore;
    const advanceSeconds = (seconds: number) => subject.advanceSeconds(seconds);

    beforeEach(async function () {
      const opened = await open();
      if (!opened) return this.skip();
      subject = opened;
      store = opened.store;
    });

    afterEach(async () => {
      await subject?.dispose();
    });

    it('reads back what was stored, and nothing for an unknown key', async () => {
      expect(await store.get('missing')).to.equal(null);
      await store.set('greeting', 'hello');
      expect(await store.get('greeting')).to.equal('hello');
      await store.set('greeting', 'hello again');
      expect(await store.get('greeting')).to.equal('hello again');
    });

    // TTLs of a minute: Redis's own clock runs on while the test moves time, so each step
    // leaves tens of seconds for a loaded machine.
    it('forgets a value when its TTL runs out, and keeps one stored without a TTL', async () => {
      await store.set('short', 'lived', 60);
      await store.set('forever', 'kept');
      expect(await store.setIfAbsent('claim', 'first', 60)).to.equal(true);
      expect(await store.get('short')).to.equal('lived');

      await advanceSeconds(40);
      expect(await store.get('short')).to.equal('lived');
      await advanceSeconds(21);
      expect(await store.get('short')).to.equal(null);
      expect(await store.get('forever')).to.equal('kept');
      // An expired claim can be taken again.
      expect(await store.setIfAbsent('claim', 'second', 60)).to.equal(true);
      expect(await store.get('claim')).to.equal('second');
    });

    it('stores with setIfAbsent only when the key is free', async () => {
      expect(await store.setIfAbsent('lock', 'owner-a', 60)).to.equal(true);
      expect(await store.setIfAbsent('lock', 'owner-b', 60)).to.equal(false);
      expect(await store.get('lock')).to.equal('owner-a');
      await store.set('taken', 'plain');
      expect(await store.setIfAbsent('taken', 'other', 60)).to.equal(false);
      expect(await store.get('taken')).to.equal('plain');
    });

    it('hands a single-use value to exactly one of 20 concurrent consumers', async () => {
      await store.set('reset-token', 'user-42', 60);
      const results = await Promise.all(
        Array.from({ length: 20 }, () => store.getAndDelete('reset-token')),
      );
      expect(results.filter((value) => value === 'user-42')).to.have.length(1);
      expect(results.filter((value) => value === null)).to.have.length(19);
      expect(await store.get('reset-token')).to.equal(null);
      expect(await store.getAndDelete('never-set')).to.equal(null);
    });

    it('counts concurrent increments exactly', async () => {
      const values = await Promise.all(
        Array.from({ length: 25 }, () => store.increment('hits', 60)),
      );
      expect([...values].sort((a, b) => a - b)).to.deep.equal(
        Array.from({ length: 25 }, (_value, index) => index + 1),
      );
      expect(await store.get('hits')).to.equal('25');
    });

    it('starts the counter TTL at the first increment and never extends it', async () => {
      expect(await store.increment('attempts', 60)).to.equal(1);
      await advanceSeconds(40);
      expect(await store.increment('attempts', 60)).to.equal(2);
      await advanceSeconds(30);
      // 70 s after the first increment the window is over, although the second was 30 s ago.
      expect(await store.get('attempts')).to.equal(null);
      expect(await store.increment('attempts', 60)).to.equal(1);
    });

    it('deletes a key, and deleting a missing key is not an error', async () => {
      await store.set('doomed', 'value');
      await store.delete('doomed');
      expect(await store.get('doomed')).to.equal(null);
      await store.delete('doomed');
    });

    it('answers ping', async () => {
      await store.ping();
    });
  });
}

describeKeyValueStore('in process (MemoryKeyValueStore)', async () => {
  const clock = new ManualClock();
  const store = new MemoryKeyValueStore(() => clock.now().getTime());
  return {
    store,
    advanceSeconds: async (seconds) => clock.advanceSeconds(seconds),
    dispose: () => store.close(),
  };
});

describeKeyValueStore('Redis (RedisKeyValueStore)', async () => {
  const url = testEnvironment().redisUrl;
  if (!url) return null;
  const keyPrefix = `${testEnvironment().redisKeyPrefix}kv-suite:${randomUUID()}:`;
  const connection = new RedisConnection(
    { topology: { kind: 'single', url }, keyPrefix, commandTimeoutMs: 1000 },
    silent,
  );
  if (!(await connection.connect(3000))) throw new Error(`Redis at ${url} did not answer`);
  const store = new RedisKeyValueStore(connection);
  const time = await redisTime(url, keyPrefix);
  return {
    store,
    advanceSeconds: (seconds) => time.advanceSeconds(seconds),
    async dispose() {
      await store.clearPrefix();
      await connection.close();
      await time.close();
    },
  };
});

/** Runs `action` until it resolves, at most `timeoutMs`; returns how long it took. */
async function eventually<T>(action: () => Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await action();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(100);
    }
  }
}

async function expectUnavailableQuickly(attempt: Promise<unknown>, withinMs: number) {
  const started = Date.now();
  let failure: unknown;
  try {
    await attempt;
  } catch (error) {
    failure = error;
  }
  const elapsed = Date.now() - started;
  expect(failure, 'the command should have failed').to.be.instanceOf(CacheUnavailableError);
  expect(elapsed, 'failing should not wait long').to.be.below(withinMs);
}

describe('the Redis store when Redis goes away', function () {
  this.timeout(15_000);
  let proxy: TcpProxy;
  let store: RedisKeyValueStore;
  let connection: RedisConnection | undefined;
  let redisUrl: URL;

  beforeEach(async function () {
    const url = testEnvironment().redisUrl;
    if (!url) return this.skip();
    redisUrl = new URL(url);
    proxy = await startTcpProxy(Number(redisUrl.port || 6379), redisUrl.hostname);
  });

  afterEach(async () => {
    await connection?.close();
    await proxy?.close();
  });

  const openThroughProxy = () => {
    const viaProxy = new URL(redisUrl);
    viaProxy.host = proxy.address;
    connection = new RedisConnection(
      {
        topology: { kind: 'single', url: viaProxy.toString() },
        keyPrefix: `kv-outage:${randomUUID()}:`,
        commandTimeoutMs: 500,
      },
      silent,
    );
    store = new RedisKeyValueStore(connection);
    return store;
  };

  it('fails fast with CacheUnavailableError while Redis is down, and recovers by itself', async () => {
    openThroughProxy();
    expect(await connection!.connect(3000)).to.equal(true);
    await store.set('survivor', 'still here', 60);

    await proxy.stop();
    await expectUnavailableQuickly(store.get('survivor'), 2500);
    await expectUnavailableQuickly(store.ping(), 2500);
    await expectUnavailableQuickly(store.increment('hits', 60), 2500);

    await proxy.start();
    // Reconnection backs off to at most 2 s, so it is back within a few seconds.
    expect(await eventually(() => store.get('survivor'), 8000)).to.equal('still here');
    await store.clearPrefix();
  });

  it('times a command out instead of hanging when Redis stops answering', async () => {
    openThroughProxy();
    expect(await connection!.connect(3000)).to.equal(true);
    await store.ping();

    proxy.hang();
    await expectUnavailableQuickly(store.get('anything'), 3000);

    proxy.resume();
    await eventually(() => store.ping(), 8000);
  });

  it('starts while Redis is down and connects once it is up', async () => {
    await proxy.stop();
    openThroughProxy();
    expect(await connection!.connect(500)).to.equal(false);
    await expectUnavailableQuickly(store.get('anything'), 2500);

    await proxy.start();
    await eventually(() => store.ping(), 8000);
    await store.set('late', 'arrival', 60);
    expect(await store.get('late')).to.equal('arrival');
    await store.clearPrefix();
  });
});
