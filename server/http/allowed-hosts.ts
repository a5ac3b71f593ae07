import type { IncomingMessage } from 'node:http';
import type { Context, Next } from 'koa';
import { AppError } from '../errors.js';

export type HostCheck = (request: IncomingMessage) => boolean;

/** The Host header without its port, lower-cased; an IPv6 literal keeps its brackets. */
function requestHostname(request: IncomingMessage): string {
  const host = (request.headers.host ?? '').toLowerCase();
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  return host.split(':', 1)[0]!;
}

/**
 * Django's ALLOWED_HOSTS: a request whose Host header is not listed is refused, which stops
 * host-header poisoning of absolute URLs. `*` allows any host; `.example.com` allows the domain
 * and its subdomains.
 */
export function createHostCheck(patterns: string[]): HostCheck {
  if (patterns.includes('*')) return () => true;
  const lowered = patterns.map((pattern) => pattern.toLowerCase());
  return (request) => {
    const host = requestHostname(request);
    return lowered.some((pattern) =>
      pattern.startsWith('.')
        ? host === pattern.slice(1) || host.endsWith(pattern)
        : host === pattern,
    );
  };
}

/**
 * The Koa layer of the host check. The health paths are exempt: probes address pods by IP.
 * Not async: a refusal thrown here reaches the error boundary all the same (koa-compose turns
 * it into a rejection), and a pass costs no promise of its own.
 */
export function allowedHosts(hostAllowed: HostCheck, exemptPaths: readonly string[]) {
  return (ctx: Context, next: Next) => {
    if (!exemptPaths.includes(ctx.path) && !hostAllowed(ctx.req)) {
      const detail = `Invalid Host header: "${requestHostname(ctx.req)}" is not in ALLOWED_HOSTS.`;
      // Like every VALIDATION_ERROR, with `errors`; the header is no field, so non_field_errors.
      throw new AppError('VALIDATION_ERROR', {
        detail,
        fieldErrors: { non_field_errors: [detail] },
      });
    }
    return next();
  };
}
