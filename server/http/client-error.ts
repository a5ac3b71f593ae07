/**
 * Requests node's HTTP parser refuses before any handler runs (headers or URL past node's 16 KB
 * limit, a malformed request line or header). Without a listener node answers them with a bare
 * status line; the contract wants every 4xx in the error envelope, so they get one: 400
 * VALIDATION_ERROR. A timed-out request keeps node's own 408; a socket already gone is dropped.
 */
import type { Socket } from 'node:net';
import { ERROR_CATALOGUE } from '../errors.js';

const REQUEST_TIMEOUT = 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n';

function envelope(detail: string): string {
  const body = JSON.stringify({ detail, code: 'VALIDATION_ERROR' });
  const status = ERROR_CATALOGUE.VALIDATION_ERROR.status;
  return [
    `HTTP/1.1 ${status} Bad Request`,
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}

export function answerClientError(error: Error & { code?: string }, socket: Socket) {
  if (!socket.writable || error.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    socket.end(REQUEST_TIMEOUT);
    return;
  }
  const detail =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? 'The request line and headers are too large.'
      : 'The request is not valid HTTP.';
  socket.end(envelope(detail));
}
