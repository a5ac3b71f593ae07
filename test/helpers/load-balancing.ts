/**
 * The programs that sit in front of the service in a scaled deployment, started for real:
 * PgBouncer (Debian's, 1.18) in transaction pooling mode before the local PostgreSQL, and
 * HAProxy balancing round robin over service instances, health-checked on the readiness probe.
 */
import { scratchDirectory, startDaemon, writeConfig } from './daemon.js';
import { freePort } from './spawn-service.js';

export interface PgBouncerUnderTest {
  port: number;
  /** The URL of `database` through the pooler. */
  url(database: string): string;
  stop(): Promise<void>;
}

/**
 * Transaction pooling with fewer server connections than the service's pool holds, so
 * consecutive transactions of one client land on different server connections (what breaks
 * named prepared statements and session state). A plain configuration: no
 * ignore_startup_parameters, as a managed pooler would be.
 */
export async function startPgBouncer(
  server = { host: '127.0.0.1', port: 5432 },
  serverConnections = 3,
): Promise<PgBouncerUnderTest> {
  const scratch = await scratchDirectory('pgbouncer');
  const port = await freePort();
  await writeConfig(scratch.path, 'userlist.txt', '"postgres" ""\n');
  const config = await writeConfig(
    scratch.path,
    'pgbouncer.ini',
    [
      '[databases]',
      `* = host=${server.host} port=${server.port}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${scratch.path}/userlist.txt`,
      'pool_mode = transaction',
      `default_pool_size = ${serverConnections}`,
      'max_client_conn = 500',
      'logfile =',
      '',
    ].join('\n'),
  );
  // PgBouncer refuses to run as root; it drops to an unprivileged user instead.
  const asUser = process.getuid?.() === 0 ? ['-u', 'nobody'] : [];
  const daemon = await startDaemon('pgbouncer', [...asUser, config], port);
  return {
    port,
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    async stop() {
      await daemon.kill();
      await scratch.remove();
    },
  };
}

export interface HaproxyUnderTest {
  port: number;
  pid: number;
  baseUrl: string;
  stop(): Promise<void>;
}

/** Round robin over `backends` (ports of 127.0.0.1), each checked on GET /health/ready. */
export async function startHaproxy(backends: number[]): Promise<HaproxyUnderTest> {
  const scratch = await scratchDirectory('haproxy');
  const port = await freePort();
  const config = await writeConfig(
    scratch.path,
    'haproxy.cfg',
    [
      'global',
      '  maxconn 2000',
      'defaults',
      '  mode http',
      '  timeout connect 2s',
      '  timeout client 30s',
      '  timeout server 30s',
      // A readiness answer slowed by a busy machine is not a failed check.
      '  timeout check 5s',
      '  retries 2',
      // A request refused by a closing instance's connection is sent again, to another one.
      '  option redispatch',
      '  retry-on conn-failure empty-response response-timeout',
      'frontend public',
      `  bind 127.0.0.1:${port}`,
      '  default_backend service',
      'backend service',
      '  balance roundrobin',
      '  option httpchk GET /health/ready',
      '  http-check expect status 200',
      ...backends.map(
        (backend, index) =>
          `  server instance${index} 127.0.0.1:${backend} check inter 500ms fall 2 rise 2`,
      ),
      '',
    ].join('\n'),
  );
  const daemon = await startDaemon('haproxy', ['-f', config, '-db'], port);
  return {
    port,
    pid: daemon.handle.child.pid!,
    baseUrl: `http://127.0.0.1:${port}`,
    async stop() {
      await daemon.kill();
      await scratch.remove();
    },
  };
}
