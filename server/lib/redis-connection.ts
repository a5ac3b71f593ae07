/**
 * The service's one set of Redis connections, for the cache and the rate limiter alike, over
 * any of the three topologies node-redis serves with its own clients: one server
 * (`createClient`), a master found through Sentinel (`createSentinel`, which follows a failover
 * by itself) or a Redis Cluster (`createCluster`, which follows slot moves by itself).
 *
 * Every command the service sends names one key (see docs/scaling.md), so each goes to the one
 * node that holds its slot and none can fail with CROSSSLOT.
 */
import { createClient, createCluster, createSentinel } from 'redis';
import { CacheUnavailableError } from './cache.js';
import type { Logger } from './logger.js';

export interface RedisNodeAddress {
  host: string;
  port: number;
}

export type RedisTopology =
  | { kind: 'single'; url: string }
  | {
      kind: 'sentinel';
      sentinels: RedisNodeAddress[];
      masterName: string;
      sentinelPassword?: string | undefined;
    }
  | { kind: 'cluster'; nodes: RedisNodeAddress[] };

export interface RedisSettings {
  topology: RedisTopology;
  /** Prepended to every key the service writes. */
  keyPrefix: string;
  commandTimeoutMs: number;
}

/** The commands the service uses, the same on all three clients. */
export interface RedisCommands {
  readonly isOpen: boolean;
  readonly isReady: boolean;
  get(key: string): Promise<string | null>;
  set(key: string, value: string, options?: { EX?: number; NX?: true }): Promise<string | null>;
  getDel(key: string): Promise<string | null>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  del(key: string): Promise<number>;
  multi(): { exec(allowErrors?: boolean): Promise<unknown> };
}

/** What the topology's client offers beyond the commands: lifecycle and events. */
interface TopologyClient extends RedisCommands {
  connect(): Promise<unknown>;
  destroy(): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'ready', listener: () => void): unknown;
}

const MAX_RECONNECT_DELAY_MS = 2000;

function createTopologyClient(settings: RedisSettings): TopologyClient {
  const socket = {
    connectTimeout: Math.max(settings.commandTimeoutMs, 1000),
    reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, MAX_RECONNECT_DELAY_MS),
  };
  // `RedisConnection.run` bounds each command from the moment it is sent to its reply.
  // node-redis's own timeout would cost an AbortSignal.timeout per command: a timer, and a
  // DOMException with a stack when it fires later, reply or not (seen in the benchmark).
  const commandOptions = { timeout: 0 };
  const { topology } = settings;
  // The three clients' generic types differ; the commands the service uses do not.
  switch (topology.kind) {
    case 'single':
      return createClient({
        url: topology.url,
        disableOfflineQueue: true,
        commandOptions,
        socket,
      }) as unknown as TopologyClient;
    case 'sentinel':
      return createSentinel({
        name: topology.masterName,
        sentinelRootNodes: topology.sentinels,
        sentinelClientOptions: { password: topology.sentinelPassword, socket },
        nodeClientOptions: { socket },
        commandOptions,
        // The master's address changes on a failover; the sentinels say so at once (pub/sub),
        // and this scan is the fallback when that message is lost.
        scanInterval: 2000,
      }) as unknown as TopologyClient;
    case 'cluster':
      return createCluster({
        rootNodes: topology.nodes.map((node) => ({ socket: node })),
        defaults: { disableOfflineQueue: true, socket },
        commandOptions,
      }) as unknown as TopologyClient;
  }
}

class NoReplyError extends Error {}

/**
 * While Redis is down every command fails at once (no offline queue) and while it hangs every
 * command fails after `commandTimeoutMs`, instead of piling up; the client reconnects by itself
 * with a bounded backoff and the service recovers without a restart.
 */
export class RedisConnection {
  readonly kind: RedisTopology['kind'];
  private client: TopologyClient;
  private outageLogged = false;
  private closed = false;
  private readonly outageListeners = new Set<(down: boolean, reason: string) => void>();

  constructor(
    readonly settings: RedisSettings,
    private readonly logger: Logger,
  ) {
    this.kind = settings.topology.kind;
    this.client = this.createClient();
  }

  /** Told when Redis becomes unreachable (true) and when it is back (false). */
  onOutage(listener: (down: boolean, reason: string) => void) {
    this.outageListeners.add(listener);
  }

  private createClient(): TopologyClient {
    const client = createTopologyClient(this.settings);
    client.on('error', (error: Error) => {
      if (client === this.client) this.markDown(error.message);
    });
    client.on('ready', () => {
      if (client !== this.client || !this.outageLogged) return;
      this.outageLogged = false;
      this.logger.info({ topology: this.kind }, 'redis connection restored');
      for (const listener of this.outageListeners) listener(false, 'ready');
    });
    return client;
  }

  private markDown(reason: string) {
    if (this.outageLogged) return;
    this.outageLogged = true;
    this.logger.error({ topology: this.kind, err: { message: reason } }, 'redis unavailable');
    for (const listener of this.outageListeners) listener(true, reason);
  }

  /** Connects, waiting at most `timeoutMs`; later failures are retried in the background. */
  async connect(timeoutMs: number): Promise<boolean> {
    const connecting = this.client.connect().then(
      () => true,
      () => false,
    );
    const timer = new Promise<boolean>((resolve) =>
      setTimeout(() => resolve(false), timeoutMs).unref(),
    );
    return Promise.race([connecting, timer]);
  }

  /** The client of the moment (a stalled one is replaced), for libraries that hold a client. */
  current(): RedisCommands {
    return this.client;
  }

  /** Runs one command, bounded by the command timeout; failures become CacheUnavailableError. */
  async run<T>(command: (client: RedisCommands) => Promise<T>): Promise<T> {
    const client = this.client;
    const timeoutMs = this.settings.commandTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const reply = command(client);
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new NoReplyError()), timeoutMs);
    });
    try {
      return await Promise.race([reply, deadline]);
    } catch (error) {
      if (error instanceof NoReplyError) {
        // The stalled command's own answer, if it ever comes, is of no use: the caller has
        // its error already, and the client is replaced just below (which logs the outage).
        reply.catch(() => undefined);
        this.replaceStalledClient(client);
        throw new CacheUnavailableError(`redis: no reply within ${timeoutMs} ms`);
      }
      throw new CacheUnavailableError(`redis: ${(error as Error).message}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  /** Every node that holds keys answers PING (each master of a cluster). */
  async ping() {
    const cluster = this.clusterMasters();
    if (!cluster) {
      await this.run((client) => (client as unknown as PingClient).ping());
      return;
    }
    await this.run(async () => {
      const masters = await cluster();
      await Promise.all(masters.map((master) => master.ping()));
    });
  }

  /** Every key that matches, from every master (tests only; never FLUSHDB a shared server). */
  async *scan(match: string): AsyncGenerator<string[]> {
    const masters = this.clusterMasters();
    const clients = masters ? await masters() : [this.client as unknown as ScanClient];
    for (const client of clients) yield* client.scanIterator({ MATCH: match, COUNT: 500 });
  }

  private clusterMasters(): (() => Promise<Array<PingClient & ScanClient>>) | null {
    if (this.kind !== 'cluster') return null;
    const cluster = this.client as unknown as ClusterClient;
    return () => Promise.all(cluster.masters.map((master) => cluster.nodeClient(master)));
  }

  async close() {
    this.closed = true;
    if (this.client.isOpen) await this.client.destroy();
  }

  /**
   * Every command here is O(1), so a missing reply means the connection is stalled (a hung
   * server or a half-open socket, which TCP would notice only after many minutes). A fresh
   * client takes over; the stalled one is dropped with whatever it still waits for.
   */
  private replaceStalledClient(stalled: TopologyClient) {
    if (this.closed || stalled !== this.client) return;
    if (!this.outageLogged) this.markDown('no reply in time; reconnecting');
    this.client = this.createClient();
    // A failed connect is reported by the new client's 'error' handler and retried by it.
    this.client.connect().catch(() => undefined);
    if (stalled.isOpen) stalled.destroy();
  }
}

interface PingClient {
  ping(): Promise<string>;
}
interface ScanClient {
  scanIterator(options: { MATCH: string; COUNT: number }): AsyncIterable<string[]>;
}
interface ClusterClient {
  masters: unknown[];
  nodeClient(node: unknown): Promise<PingClient & ScanClient>;
}
