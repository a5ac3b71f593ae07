/**
 * The headers every answer carries, decided in one place for both the Koa stack and the query
 * lane: helmet's default security headers, and `Cache-Control: no-store` on every answer under
 * /api/auth/ and /trpc/ (success or error), where tokens and a person's data are answered.
 * Helmet's headers are worked out once at start-up: with its default options helmet sets the
 * same static headers on every response, so running it per request (as koa-helmet does) only
 * repeats the work.
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
  // Without `upgrade-insecure-requests`: on a plain-HTTP host (a staging box, a LAN address) it
  // makes the browser fetch the docs' and console's assets over https, which is not there, and
  // the page stays blank. HTTPS deployments get the same protection from HSTS.
  const options = { contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } };
  helmet(options)(
    {} as IncomingMessage,
    recorder as unknown as ServerResponse,
    (error?: unknown) => {
      if (error) throw error;
      finished = true;
    },
  );
  // Options that compute a header per request (a CSP nonce function) would need the request.
  if (!finished) throw new Error('helmet did not finish synchronously: its headers are not static');
  return headers;
}

/**
 * Where tokens (and a person's data) are answered. The whole prefix, not a list of token
 * procedures, so a new one cannot be forgotten; case-insensitive, as the router matches. The
 * OpenAPI document and the docs assets stay cacheable.
 */
const PRIVATE_PATH = /^\/(api\/auth|trpc)(\/|$)/i;
const TRPC_PATH = /^\/trpc(\/|$)/i;
const NO_STORE = ['Cache-Control', 'no-store'] as const;

/**
 * The header list for an answer to `path`: the security headers, no-store where private, and
 * `Vary` for what a cache must key the answer on: `Origin` everywhere (CORS answers differ by
 * it), and tRPC's `trpc-accept` (a streamed or a plain answer). Set here, with the rest, rather
 * than appended by each layer that varies.
 */
export function edgeHeaders(securityHeaders: HeaderList): (path: string) => HeaderList {
  const plain: HeaderList = [...securityHeaders, ['Vary', 'Origin']];
  const api: HeaderList = [...plain, NO_STORE];
  const trpc: HeaderList = [...securityHeaders, ['Vary', 'Origin, trpc-accept, accept'], NO_STORE];
  return (path) => (TRPC_PATH.test(path) ? trpc : PRIVATE_PATH.test(path) ? api : plain);
}

export function setHeaders(response: ServerResponse, headers: HeaderList): void {
  for (const [name, value] of headers) response.setHeader(name, value);
}
