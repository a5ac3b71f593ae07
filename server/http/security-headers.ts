/**
 * Helmet's default security headers, worked out once at start-up. With its default options
 * helmet sets the same static headers on every response, so running it per request (as
 * koa-helmet does) only repeats the work; both the Koa stack and the query lane send this list.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';

export type HeaderList = ReadonlyArray<readonly [name: string, value: string]>;

export function helmetHeaders(): HeaderList {
  const headers: Array<[string, string]> = [];
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers.push([name, String(value)]);
    },
    // X-Powered-By: node never sets it, so there is nothing to take away.
    removeHeader() {},
  };
  let finished = false;
  helmet()({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error;
    finished = true;
  });
  // Options that compute a header per request (a CSP nonce function) would need the request.
  if (!finished) throw new Error('helmet did not finish synchronously: its headers are not static');
  return headers;
}

export function setHeaders(response: ServerResponse, headers: HeaderList): void {
  for (const [name, value] of headers) response.setHeader(name, value);
}
