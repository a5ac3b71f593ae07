import type { Operation, OperationResultEnvelope, TRPCClientError, TRPCLink } from '@trpc/client';
import { observable, type Unsubscribable } from '@trpc/server/observable';
import type { CookieEndpoints } from './cookie-endpoints.js';
import { AuthClientError } from './errors.js';
import type { Session } from './session.js';
import { isTokenPair } from './token-store.js';
import type { AppRouter, TokenPair } from './types.js';

/** Procedures that take no access token; a 401 from them is about their own input. */
const PUBLIC = new Set([
  'auth.login',
  'auth.loginMfa',
  'auth.register',
  'auth.refresh',
  'auth.forgotPassword',
  'auth.resetPassword',
  'auth.verifyEmail',
  'account.confirmEmailChange',
]);
/** Procedures whose result carries a new pair: in `tokens`, or (refresh) as the whole result. */
const ISSUES_TOKENS = new Set([
  'auth.login',
  'auth.loginMfa',
  'auth.register',
  'auth.changePassword',
  'auth.refresh',
]);
/** Procedures after which this client has no session, whatever the server answered. */
const ENDS_SESSION = new Set(['auth.logout', 'auth.logoutAll']);
/** Procedures after which the session is gone when they succeed (a refused one keeps it). */
const ENDS_SESSION_ON_SUCCESS = new Set(['account.delete']);

type Envelope = OperationResultEnvelope<unknown, TRPCClientError<AppRouter>>;

/** The header the HTTP link sends, from the token this link chose for the attempt. */
export function authorizationHeader(op: Operation): Record<string, string> {
  const token = op.context.accessToken;
  return typeof token === 'string' ? { Authorization: `Bearer ${token}` } : {};
}

function isExpired(error: unknown): boolean {
  return (error as TRPCClientError<AppRouter>).data?.appCode === 'TOKEN_INVALID';
}

/** The operation as sent with `tokens`; logout also revokes the stored refresh token. */
function withTokens(op: Operation, tokens: TokenPair | null): Operation {
  let input = op.input;
  if (tokens?.refresh && op.path === 'auth.logout') {
    const given = (op.input ?? {}) as { refresh?: string };
    input = { ...given, refresh: given.refresh ?? tokens.refresh };
  }
  return { ...op, input, context: { ...op.context, accessToken: tokens?.access } };
}

function issuedTokens(path: string, data: unknown, cookieMode: boolean): TokenPair | null {
  if (!ISSUES_TOKENS.has(path)) return null;
  const tokens = path === 'auth.refresh' ? data : (data as { tokens?: unknown } | null)?.tokens;
  // Cookie mode: the answer has the access token only; the refresh token is in the cookie.
  const access = (tokens as { access?: unknown } | null)?.access;
  if (cookieMode && typeof access === 'string') return { access, refresh: '' };
  return isTokenPair(tokens) ? tokens : null;
}

/**
 * Attaches the access token, keeps the store in step with calls that issue or end a session,
 * and when the token has expired (401 TOKEN_INVALID) refreshes once and retries the call once.
 * In cookie mode (`rest` given) logout goes to the REST endpoint, where the cookie is sent, so
 * the server revokes the session's refresh token and clears the cookie.
 */
export function sessionLink(session: Session, rest: CookieEndpoints | null): TRPCLink<AppRouter> {
  return () =>
    ({ op, next }) =>
      observable((observer) => {
        let inner: Unsubscribable | undefined;
        const send = (tokens: TokenPair | null) => {
          if (rest && tokens && op.path === 'auth.logout') {
            return rest
              .logout(tokens.access)
              .then((data): Envelope => ({ result: { type: 'data', data } }));
          }
          return new Promise<Envelope>((resolve, reject) => {
            inner = next(withTokens(op, tokens)).subscribe({ next: resolve, error: reject });
          });
        };

        const attempt = async (): Promise<Envelope> => {
          const tokens = PUBLIC.has(op.path) ? null : await session.tokens();
          try {
            return await send(tokens);
          } catch (error) {
            if (!tokens || !isExpired(error)) throw error;
            const renewed = await session.renew(tokens.access);
            if (!renewed) throw error;
            return await send(renewed);
          }
        };

        const run = async (): Promise<Envelope> => {
          try {
            const envelope = await attempt();
            const tokens = issuedTokens(
              op.path,
              (envelope.result as { data?: unknown }).data,
              rest !== null,
            );
            if (tokens) await session.set(tokens);
            if (ENDS_SESSION_ON_SUCCESS.has(op.path)) await session.clear();
            return envelope;
          } finally {
            if (ENDS_SESSION.has(op.path)) await session.clear();
          }
        };

        run().then(
          (envelope) => {
            observer.next(envelope);
            observer.complete();
          },
          (error: unknown) => observer.error(AuthClientError.from(error)),
        );

        return () => inner?.unsubscribe();
      });
}
