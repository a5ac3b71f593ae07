import type { Operation, OperationResultEnvelope, TRPCClientError, TRPCLink } from '@trpc/client';
import { observable, type Unsubscribable } from '@trpc/server/observable';
import type { CookieEndpoints } from './cookie-endpoints.js';
import { AuthClientError } from './errors.js';
import type { Session } from './session.js';
import { isTokenPair } from './token-store.js';
import type { AppRouter, ProcedurePath, TokenPair } from './types.js';

/**
 * Procedures that take no access token; a 401 from them is about their own input. The server
 * declares its public procedures with its builder (server/trpc/init.ts); a test holds this list
 * to exactly those (test/sdk/session-link-lists.test.ts).
 */
export const PUBLIC_PROCEDURES = [
  'auth.login',
  'auth.loginMfa',
  'auth.register',
  'auth.refresh',
  'auth.forgotPassword',
  'auth.resetPassword',
  'auth.verifyEmail',
  'account.confirmEmailChange',
] as const satisfies readonly ProcedurePath[];
/** Procedures whose result carries a new pair: in `tokens`, or (refresh) as the whole result. */
export const ISSUES_TOKENS = [
  'auth.login',
  'auth.loginMfa',
  'auth.register',
  'auth.changePassword',
  'auth.refresh',
] as const satisfies readonly ProcedurePath[];
/** Procedures after which this client has no session, whatever the server answered. */
const ENDS_SESSION = ['auth.logout', 'auth.logoutAll'] as const satisfies readonly ProcedurePath[];
/** Procedures after which the session is gone when they succeed (a refused one keeps it). */
const ENDS_SESSION_ON_SUCCESS = ['account.delete'] as const satisfies readonly ProcedurePath[];

/** Whether `path` (an operation's, typed as any string) is one of `paths`. */
const oneOf = (paths: readonly ProcedurePath[], path: string) =>
  (paths as readonly string[]).includes(path);

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
  if (!oneOf(ISSUES_TOKENS, path)) return null;
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
          const tokens = oneOf(PUBLIC_PROCEDURES, op.path) ? null : await session.tokens();
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
            if (oneOf(ENDS_SESSION_ON_SUCCESS, op.path)) await session.clear();
            return envelope;
          } finally {
            if (oneOf(ENDS_SESSION, op.path)) await session.clear();
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
