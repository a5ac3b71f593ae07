/**
 * The drain, in two steps. `begin()`, at the signal: every response whose headers have not gone
 * out yet says `Connection: close` and its connection closes after it, so a keep-alive client (a
 * load balancer, an agent) reconnects, to another instance once the balancer has taken this one
 * out, and neither holds the drain open until the deadline nor sends its next request into a
 * connection that is about to be cut. `close(server, timeoutMs)`: stop accepting and let
 * in-flight requests finish (bounded by `timeoutMs`).
 *
 * Each response asks whether the drain has begun as its headers go out (`writeHead`, which node
 * calls for implicit headers too), rather than the drain keeping a collection of the responses
 * in flight. A long-lived Set that every request joins and leaves made the collector promote
 * each request's objects to the old generation (about 5 KB a read, see docs/performance.md):
 * the Set's retired hash tables, already old, still point at the young responses.
 */
import {
  ServerResponse,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type Server,
} from 'node:http';

export interface Drain {
  /** The response class the server must be created with (createServer's `ServerResponse`). */
  readonly responseClass: typeof ServerResponse<IncomingMessage>;
  begin(): void;
  close(server: Server, timeoutMs: number): Promise<void>;
}

export function createDrain(): Drain {
  let draining = false;

  class DrainAwareResponse extends ServerResponse<IncomingMessage> {
    override writeHead(statusCode: number, ...rest: unknown[]): this {
      if (draining) this.setHeader('Connection', 'close');
      return super.writeHead(statusCode, ...(rest as [string, OutgoingHttpHeaders]));
    }
  }

  return {
    responseClass: DrainAwareResponse,
    begin() {
      draining = true;
    },
    close: closeServer,
  };
}

function closeServer(server: Server, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const force = setTimeout(() => {
      server.closeAllConnections();
      resolve();
    }, timeoutMs);
    force.unref();
    server.close(() => {
      clearTimeout(force);
      resolve();
    });
    // Idle keep-alive connections would hold close() open; busy ones finish their request first.
    server.closeIdleConnections();
  });
}
