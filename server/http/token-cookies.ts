/**
 * Browsers: the refresh token in a cookie instead of a script's storage (AUTH_COOKIES).
 *
 * A call that issues tokens (register, login, login/mfa, refresh, change-password) and carries
 * `X-Token-Transport: cookie` gets its refresh token as a cookie only: `HttpOnly` (no script, so
 * no XSS, can read it), `SameSite=Strict` (no other site's page sends it), `Path=/api/auth` (only
 * the REST auth endpoints receive it), `Secure` except in development; the answer's body leaves
 * it out. The access token stays in the answer, for the page to keep in memory only.
 *
 * `refresh/` and `logout/` without `refresh` in the body use the cookie; logout clears it, and so
 * does a refresh the server refuses. SameSite is not the whole CSRF defence (a sibling subdomain
 * is the same site), so a call that uses the cookie must also come from the service's own pages
 * (the browser's `Sec-Fetch-Site: same-origin`: the admin console) or carry an `Origin` among the
 * trusted ones (CORS_ALLOWED_ORIGINS and FRONTEND_URL), else 403. Calls without the header and
 * without the cookie are answered as before: mobile and server clients share the deployment.
 *
 * Both wire formats (REST and a single tRPC call) pass through here; a tRPC batch may not ask
 * for the cookie transport (trpc-handler.ts), and never reads the cookie.
 */
import { parse, serialize, type SerializeOptions } from 'cookie';
import type { Context } from 'koa';
import type { Config } from '../config/index.js';
import { AppError } from '../errors.js';
import { toAppError } from '../trpc/error-mapping.js';
import type { Operation } from '../trpc/operations.js';

export const REFRESH_COOKIE = 'refresh_token';
export const TRANSPORT_HEADER = 'X-Token-Transport';
const COOKIE_PATH = '/api/auth';
/**
 * The calls that issue a refresh token, and so answer by the cookie when asked to. A login
 * answering the second-factor challenge holds no token yet and sets none; `login/mfa/` does.
 */
export const ISSUES_REFRESH: ReadonlySet<string> = new Set([
  'auth.register',
  'auth.login',
  'auth.loginMfa',
  'auth.refresh',
  'auth.changePassword',
]);
/** The calls that take a refresh token, and so may take it from the cookie. */
const TAKES_REFRESH = new Set(['auth.refresh', 'auth.logout']);

type Call = (input: unknown) => Promise<unknown>;
export type TokenTransport = (
  ctx: Context,
  operation: Operation,
  input: unknown,
  call: Call,
) => Promise<unknown>;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function wantsCookieTransport(ctx: Context): boolean {
  return ctx.get(TRANSPORT_HEADER).trim().toLowerCase() === 'cookie';
}

/** Where the answer holds its refresh token: `tokens.refresh`, or `refresh` (refresh/'s pair). */
function withoutRefresh(output: unknown): { refresh: string | null; output: unknown } {
  if (!isObject(output)) return { refresh: null, output };
  const { tokens } = output;
  if (isObject(tokens) && typeof tokens.refresh === 'string') {
    const { refresh, ...rest } = tokens;
    return { refresh, output: { ...output, tokens: rest } };
  }
  if (typeof output.refresh === 'string' && typeof output.access === 'string') {
    const { refresh, ...rest } = output;
    return { refresh, output: rest };
  }
  return { refresh: null, output };
}

export function tokenTransport(
  settings: Config['http']['authCookies'],
  refreshLifetimeSeconds: number,
): TokenTransport {
  if (!settings.enabled) return (_ctx, _operation, input, call) => call(input);
  const attributes: SerializeOptions = {
    httpOnly: true,
    sameSite: 'strict',
    path: COOKIE_PATH,
    secure: settings.secure,
  };
  const setCookie = (ctx: Context, value: string, maxAge: number) =>
    ctx.append('Set-Cookie', serialize(REFRESH_COOKIE, value, { ...attributes, maxAge }));
  const clearCookie = (ctx: Context) => setCookie(ctx, '', 0);

  function refuseUntrustedOrigin(ctx: Context) {
    // A page of this very origin (the admin console the service serves) is no forgery: the
    // browser sets Sec-Fetch-Site itself, no page can, and a redirect through another origin
    // turns it to cross-site. Read from the request, not from a configured public origin, so
    // a proxy that terminates TLS or rewrites Host changes nothing.
    if (ctx.get('Sec-Fetch-Site') === 'same-origin') return;
    const origin = ctx.get('Origin');
    if (settings.trustedOrigins.includes(origin)) return;
    throw new AppError('PERMISSION_DENIED', {
      detail: origin
        ? `Origin ${origin} may not use the session cookie.`
        : 'A request that uses the session cookie must carry an Origin header.',
    });
  }

  return async (ctx, operation, input, call) => {
    const cookie = TAKES_REFRESH.has(operation.path)
      ? (parse(ctx.get('Cookie'))[REFRESH_COOKIE] ?? null)
      : null;
    const given = isObject(input) ? input : {};
    const usesCookie = Boolean(cookie) && given.refresh === undefined;
    if (usesCookie) refuseUntrustedOrigin(ctx);
    let output: unknown;
    try {
      output = await call(usesCookie ? { ...given, refresh: cookie } : input);
    } catch (error) {
      // A dead cookie (expired, revoked, reused) is of no more use to the browser.
      if (usesCookie && toAppError(error).code === 'TOKEN_INVALID') clearCookie(ctx);
      throw error;
    }
    if (operation.path === 'auth.logout') {
      clearCookie(ctx);
      return output;
    }
    if (!ISSUES_REFRESH.has(operation.path)) return output;
    // A refresh from the cookie answers by the cookie too: the old one is consumed.
    if (!usesCookie && !wantsCookieTransport(ctx)) return output;
    const moved = withoutRefresh(output);
    if (moved.refresh) setCookie(ctx, moved.refresh, refreshLifetimeSeconds);
    return moved.output;
  };
}
