/**
 * A TCP proxy in front of a real server, so a test can "stop" PostgreSQL or Redis for this
 * process alone (the shared servers keep running for everybody else). `stop()` refuses new
 * connections and cuts every open one; `start()` listens again on the same port.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpProxy {
  readonly port: number;
  /** `host:port` of the proxy, to put into a connection URL. */
  readonly address: string;
  /** Stops listening and destroys every open connection (both sides). */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  /** Connections stay open (and new ones are accepted) but nothing is forwarded: the server hangs. */
  hang(): void;
  /** Ends the hang like a server restart: cuts the stalled connections; new ones are forwarded. */
  resume(): void;
  /**
   * Ends the hang like a network that heals while losing its connection state: new connections
   * are forwarded, but those stalled by the hang stay silent forever (no data, no reset), as a
   * black-holed TCP connection does. Only a client-side timeout gets a client out of those.
   */
  heal(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(
  targetPort: number,
  targetHost = '127.0.0.1',
): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const stalled = new WeakSet<Socket>();
  let hanging = false;
  let port = 0;

  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };

  const onConnection = (client: Socket) => {
    track(client);
    if (hanging) {
      stalled.add(client); // accepted, never answered
      return;
    }
    const upstream = connect({ host: targetHost, port: targetPort });
    track(upstream);
    // A stalled connection swallows bytes in both directions, like a partitioned network.
    client.on('data', (chunk) => stalled.has(client) || upstream.write(chunk));
    upstream.on('data', (chunk) => stalled.has(client) || client.write(chunk));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  };

  let server: Server | undefined;

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const next = createServer(onConnection);
      next.once('error', reject);
      next.listen({ host: '127.0.0.1', port, exclusive: true }, () => {
        next.off('error', reject);
        server = next;
        const address = next.address();
        if (address && typeof address === 'object') port = address.port;
        resolve();
      });
    });

  const stop = async () => {
    const current = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    if (current) await new Promise<void>((resolve) => current.close(() => resolve()));
  };

  await listen();

  return {
    get port() {
      return port;
    },
    get address() {
      return `127.0.0.1:${port}`;
    },
    stop,
    async start() {
      if (server) return;
      // The port was ours a moment ago; retry briefly in case the OS has not released it yet.
      for (let attempt = 0; ; attempt += 1) {
        try {
          await listen();
          return;
        } catch (error) {
          if (attempt >= 20 || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    },
    hang() {
      hanging = true;
      for (const socket of sockets) stalled.add(socket);
    },
    resume() {
      hanging = false;
      for (const socket of sockets) if (stalled.has(socket)) socket.destroy();
    },
    heal() {
      hanging = false;
    },
    close: stop,
  };
}
