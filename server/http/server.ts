/**
 * The HTTP server the process listens with, bounded against slow and hoarding clients:
 *
 * - `HTTP_HEADERS_TIMEOUT_MS` (5 s): a connection must deliver a request's headers within this,
 *   counted from its first byte (or from the connect, for a client that sends nothing). A client
 *   trickling a header line every few seconds is cut with 408 instead of holding the connection.
 * - `HTTP_REQUEST_TIMEOUT_MS` (30 s): the whole request, body included.
 * - node checks for connections past those bounds every `connectionsCheckingInterval`, 30 s by
 *   default, which let a slow client hold on for up to a minute; here a quarter of the headers
 *   timeout, at most 1 s (a walk over the open requests, cheap).
 * - `HTTP_MAX_CONNECTIONS` (4096): open connections this process holds at once; beyond it node
 *   closes new ones at once, so a flood of idle connections cannot exhaust file descriptors or
 *   memory. Each cluster worker has its own.
 *
 * Requests node's parser refuses (headers past 16 KB, malformed HTTP) get the error envelope
 * (client-error.ts).
 *
 * Idle keep-alive connections are closed after 65 s, longer than the 60 s idle timeout of the
 * usual load balancers, so a balancer never sends a request into a connection being closed.
 */
import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Config } from '../config/index.js';
import { answerClientError } from './client-error.js';

const KEEP_ALIVE_TIMEOUT_MS = 65_000;

export function createHttpServer(
  handler: RequestListener,
  settings: Pick<Config['http'], 'headersTimeoutMs' | 'requestTimeoutMs' | 'maxConnections'>,
  /** The drain's (drain.ts), so a response knows at its headers whether the drain has begun. */
  responseClass?: typeof ServerResponse<IncomingMessage>,
): Server {
  const server = createServer(
    {
      ...(responseClass ? { ServerResponse: responseClass } : {}),
      headersTimeout: settings.headersTimeoutMs,
      requestTimeout: settings.requestTimeoutMs,
      connectionsCheckingInterval: Math.max(50, Math.min(1000, settings.headersTimeoutMs / 4)),
    },
    handler,
  );
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.maxConnections = settings.maxConnections;
  server.on('clientError', answerClientError);
  return server;
}
