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
  /** Ends the hang: cuts the stalled connections, so clients reconnect and are forwarded again. */
  resume(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(
  targetPort: number,
  targetHost = '127.0.0.1',
): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let hanging = false;
  let port = 0;

  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  };

  const onConnection = (client: Socket) => {
    track(client);
    if (hanging) return; // accepted, never answered
    const upstream = connect({ host: targetHost, port: targetPort });
    track(upstream);
    // While hanging, bytes are swallowed in both directions, like a partitioned network.
    client.on('data', (chunk) => hanging || upstream.write(chunk));
    upstream.on('data', (chunk) => hanging || client.write(chunk));
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
    },
    resume() {
      hanging = false;
      for (const socket of sockets) socket.destroy();
      sockets.clear();
    },
    close: stop,
  };
}
