import type { Context, Next } from 'koa';
import { AppError } from '../errors.js';

/**
 * Django's ALLOWED_HOSTS: a request whose Host header is not listed is refused, which stops
 * host-header poisoning of absolute URLs. `*` allows any host; `.example.com` allows the domain
 * and its subdomains. The health check is exempt: probes address pods by IP.
 */
export function allowedHosts(patterns: string[], exemptPaths: string[]) {
  if (patterns.includes('*')) return async (_ctx: Context, next: Next) => next();
  const lowered = patterns.map((pattern) => pattern.toLowerCase());
  const allowed = (host: string) =>
    lowered.some((pattern) =>
      pattern.startsWith('.')
        ? host === pattern.slice(1) || host.endsWith(pattern)
        : host === pattern,
    );
  return async (ctx: Context, next: Next) => {
    const host = ctx.hostname.toLowerCase();
    if (!exemptPaths.includes(ctx.path) && !allowed(host)) {
      const detail = `Invalid Host header: "${host}" is not in ALLOWED_HOSTS.`;
      // Like every VALIDATION_ERROR, with `errors`; the header is no field, so non_field_errors.
      throw new AppError('VALIDATION_ERROR', {
        detail,
        fieldErrors: { non_field_errors: [detail] },
      });
    }
    await next();
  };
}
