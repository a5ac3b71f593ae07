/**
 * Real Redis topologies for the scale suite: a 3-master Redis Cluster made with
 * `redis-cli --cluster create`, and a master, a replica and three `redis-sentinel` processes.
 * Nothing is persisted to disk beyond the scratch directory, which is removed on stop.
 */
import { createClient } from 'redis';
import { run, scratchDirectory, startDaemon, waitFor, writeConfig, type Daemon } from './daemon.js';
import { freePort } from './spawn-service.js';

const redisArgs = (port: number, directory: string) => [
  '--bind',
  '127.0.0.1',
  '--port',
  String(port),
  '--dir',
  directory,
  '--save',
  '',
  '--appendonly',
  'no',
];

async function redisInfo(port: number, section: string): Promise<string> {
  const { stdout } = await run('redis-cli', ['-p', String(port), 'info', section], {
    timeout: 3000,
  });
  return stdout;
}

export interface RedisClusterUnderTest {
  ports: number[];
  /** REDIS_CLUSTER_NODES for the service. */
  nodes: string;
  /** How many keys each master holds that start with `prefix`. */
  keysPerMaster(prefix: string): Promise<number[]>;
  stop(): Promise<void>;
}

export async function startRedisCluster(masters = 3): Promise<RedisClusterUnderTest> {
  const scratch = await scratchDirectory('cluster');
  const daemons: Daemon[] = [];
  const stop = async () => {
    for (const daemon of daemons) await daemon.kill();
    await scratch.remove();
  };
  try {
    for (let index = 0; index < masters; index += 1) {
      const port = await freePort();
      daemons.push(
        await startDaemon(
          'redis-server',
          [
            ...redisArgs(port, scratch.path),
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            `nodes-${port}.conf`,
          ],
          port,
        ),
      );
    }
    const ports = daemons.map((daemon) => daemon.port);
    const addresses = ports.map((port) => `127.0.0.1:${port}`);
    await run('redis-cli', ['--cluster', 'create', ...addresses, '--cluster-yes'], {
      timeout: 20_000,
    });
    await waitFor(
      'cluster_state:ok on every node',
      async () => {
        for (const port of ports) {
          const { stdout } = await run('redis-cli', ['-p', String(port), 'cluster', 'info']);
          if (!/cluster_state:ok/.test(stdout)) return undefined;
        }
        return true;
      },
      20_000,
      200,
    );
    return {
      ports,
      nodes: addresses.join(','),
      async keysPerMaster(prefix) {
        return Promise.all(
          ports.map(async (port) => {
            const client = createClient({ socket: { host: '127.0.0.1', port } });
            await client.connect();
            try {
              let count = 0;
              for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 }))
                count += keys.length;
              return count;
            } finally {
              client.destroy();
            }
          }),
        );
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

export interface SentinelSetUnderTest {
  masterName: string;
  /** REDIS_SENTINELS for the service. */
  sentinels: string;
  /** The port of the master the sentinels name right now. */
  masterPort(): Promise<number>;
  /** SIGKILLs the current master (a crash); the sentinels promote the replica. */
  killMaster(): Promise<number>;
  stop(): Promise<void>;
}

/** A master, one replica and three sentinels that fail over after 1 s without an answer. */
export async function startSentinelSet(masterName = 'authmaster'): Promise<SentinelSetUnderTest> {
  const scratch = await scratchDirectory('sentinel');
  const daemons = new Map<number, Daemon>();
  const stop = async () => {
    for (const daemon of daemons.values()) await daemon.kill();
    await scratch.remove();
  };
  const askSentinel = async (port: number) => {
    const { stdout } = await run(
      'redis-cli',
      ['-p', String(port), 'sentinel', 'get-master-addr-by-name', masterName],
      { timeout: 3000 },
    );
    return Number(stdout.trim().split('\n')[1]);
  };
  try {
    const masterPort = await freePort();
    const master = await startDaemon(
      'redis-server',
      redisArgs(masterPort, scratch.path),
      masterPort,
    );
    daemons.set(masterPort, master);
    const replicaPort = await freePort();
    daemons.set(
      replicaPort,
      await startDaemon(
        'redis-server',
        [...redisArgs(replicaPort, scratch.path), '--replicaof', '127.0.0.1', String(masterPort)],
        replicaPort,
      ),
    );
    await waitFor(
      'the replica in sync',
      async () =>
        /master_link_status:up/.test(await redisInfo(replicaPort, 'replication')) || undefined,
      10_000,
    );
    const sentinelPorts: number[] = [];
    for (let index = 0; index < 3; index += 1) {
      const port = await freePort();
      // Sentinel rewrites its configuration file, so each has its own.
      const config = await writeConfig(
        scratch.path,
        `sentinel-${port}.conf`,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${scratch.path}`,
          `sentinel monitor ${masterName} 127.0.0.1 ${masterPort} 2`,
          `sentinel down-after-milliseconds ${masterName} 1000`,
          `sentinel failover-timeout ${masterName} 5000`,
          `sentinel parallel-syncs ${masterName} 1`,
          '',
        ].join('\n'),
      );
      daemons.set(port, await startDaemon('redis-sentinel', [config], port));
      sentinelPorts.push(port);
    }
    // Every sentinel knows the others and the replica before a failover is asked of them.
    await waitFor(
      'sentinels that see each other and the replica',
      async () => {
        for (const port of sentinelPorts) {
          const { stdout } = await run('redis-cli', [
            '-p',
            String(port),
            'sentinel',
            'master',
            masterName,
          ]);
          const fields = stdout.trim().split('\n');
          const field = (name: string) => Number(fields[fields.indexOf(name) + 1]);
          if (field('num-other-sentinels') < 2 || field('num-slaves') < 1) return undefined;
        }
        return true;
      },
      15_000,
      200,
    );
    const set: SentinelSetUnderTest = {
      masterName,
      sentinels: sentinelPorts.map((port) => `127.0.0.1:${port}`).join(','),
      masterPort: () => askSentinel(sentinelPorts[0]!),
      async killMaster() {
        const port = await set.masterPort();
        await daemons.get(port)?.kill();
        return port;
      },
      stop,
    };
    return set;
  } catch (error) {
    await stop();
    throw error;
  }
}
