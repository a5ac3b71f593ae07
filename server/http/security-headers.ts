/**
 * The headers every answer carries, decided in one place: security headers, and
 * `Cache-Control: no-store` on every answer under /api/auth/ and /trpc/ (success or error),
 * where tokens and a person's data are answered.
 *
 * Two sets of security headers, by what a browser does with the answer. Pages it renders (the
 * docs, the admin console, the probes' and 404's answers a person may open) get helmet's
 * defaults, worked out once at start-up: with its default options helmet sets the same static
 * headers on every response, so running it per request (as koa-helmet does) only repeats the
 * work. API answers are JSON a browser never renders as a document; they get OWASP's set for
 * REST services, which is stricter where it matters (a CSP that allows nothing, framing
 * refused outright) and leaves out the headers that only steer how a document loads (DNS
 * prefetching, IE's download prompt, Flash's cross-domain policy, the XSS auditor, origin
 * agent clusters, opener isolation). Half the headers on the most frequent answer, and each
 * one node validates and writes per request.
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
 * What an API answer needs of a browser: render nothing, frame nothing, sniff nothing, and the
 * pages' HTTPS rule (HSTS, as helmet words it: one policy for the whole host).
 */
function apiSecurityHeaders(pageHeaders: HeaderList): HeaderList {
  const hsts = pageHeaders.filter(([name]) => name === 'Strict-Transport-Security');
  return [
    ['Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'"],
    ...hsts,
    ['X-Content-Type-Options', 'nosniff'],
    ['X-Frame-Options', 'DENY'],
    ['Referrer-Policy', 'no-referrer'],
    ['Cross-Origin-Resource-Policy', 'same-origin'],
  ];
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
 * The header list for an answer to `path`: the security headers (helmet's for pages, the API
 * set under /api/auth/ and /trpc/), no-store there, and `Vary` for what a cache must key the
 * answer on: `Origin` everywhere (CORS answers differ by it), and tRPC's `trpc-accept` (a
 * streamed or a plain answer). Set here, with the rest, rather than appended by each layer that
 * varies.
 */
export function edgeHeaders(pageHeaders: HeaderList): (path: string) => HeaderList {
  const apiHeaders = apiSecurityHeaders(pageHeaders);
  const plain: HeaderList = [...pageHeaders, ['Vary', 'Origin']];
  const api: HeaderList = [...apiHeaders, ['Vary', 'Origin'], NO_STORE];
  const trpc: HeaderList = [...apiHeaders, ['Vary', 'Origin, trpc-accept, accept'], NO_STORE];
  return (path) => (TRPC_PATH.test(path) ? trpc : PRIVATE_PATH.test(path) ? api : plain);
}

export function setHeaders(response: ServerResponse, headers: HeaderList): void {
  for (const [name, value] of headers) response.setHeader(name, value);
}
