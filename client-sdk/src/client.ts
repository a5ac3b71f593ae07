import { createTRPCClient, httpLink, type TRPCClient } from '@trpc/client';
import superjson from 'superjson';
import { cookieEndpoints, restUrlBeside } from './cookie-endpoints.js';
import { AuthClientError, UnexpectedResponseError } from './errors.js';
import { Session, type SessionListener } from './session.js';
import { authorizationHeader, sessionLink } from './session-link.js';
import { memoryTokenStore, type StorageLike, type TokenStore } from './token-store.js';
import type { AppRouter } from './types.js';

/** The `fetch` signature tRPC's HTTP link calls; `window.fetch` and Node's `fetch` fit. */
export type FetchLike = NonNullable<Parameters<typeof httpLink>[0]['fetch']>;

export interface AuthClientOptions {
  /** The service's tRPC endpoint, e.g. `https://auth.example.com/trpc`. */
  url: string;
  /** A `fetch` to use instead of the global one (tests, React Native, a custom agent). */
  fetch?: FetchLike;
  /** Where the tokens live; memory by default. See `localStorageTokenStore()`. Not with `cookies`. */
  storage?: TokenStore;
  /**
   * Browser mode, for a service with AUTH_COOKIES=true: the service keeps the refresh token in an
   * HttpOnly cookie, the access token stays in this page's memory, and nothing is written to
   * `localStorage`. Calls go with `credentials: 'include'`; refresh and logout go to the REST
   * endpoints beside `url` (`/api/auth/…`), where the cookie is sent.
   */
  cookies?: boolean;
  /** Cookie mode's REST base when it is not `/api/auth` beside `url`. */
  restUrl?: string;
  /**
   * Called with the new tokens after login, register, refresh and change-password, and with
   * `null` when the session ends: logout, or a refresh the server refused. In cookie mode the
   * pair's `refresh` is empty: the refresh token is in the cookie, out of the page's reach.
   */
  onSessionChange?: SessionListener;
}

/** Every procedure of the server, typed from its router: `client.auth.login.mutate(...)`. */
export type AuthClient = TRPCClient<AppRouter>;

/** A client with its session, for UI bindings (`@auth-service/client/react`) and page loads. */
export interface AuthSession {
  client: AuthClient;
  /**
   * Picks the session up on page load: in cookie mode by a refresh from the cookie, otherwise
   * from the token store. Resolves true when there is a session to use.
   */
  resume(): Promise<boolean>;
  /** Hears new tokens and, with null, the end of the session; returns the unsubscribe. */
  subscribe(listener: SessionListener): () => void;
  /** Forgets this page's tokens without a call (another tab logged out). */
  forget(): Promise<void>;
  readonly cookies: boolean;
}

/** The given `fetch` (or the global one, looked up per call), refusing answers that are not JSON. */
function jsonOnly(fetchImplementation: FetchLike | undefined, cookies: boolean): FetchLike {
  return async (input, init) => {
    const fetchNow = fetchImplementation ?? (globalThis.fetch as FetchLike);
    const response = await fetchNow(input, cookies ? { ...init, credentials: 'include' } : init);
    const { status, headers } = response as {
      status?: number;
      headers?: { get(name: string): string | null };
    };
    const type = headers?.get('content-type');
    if (typeof status === 'number' && type && !/json/i.test(type)) {
      throw new UnexpectedResponseError(status);
    }
    return response;
  };
}

export function createAuthSession(options: AuthClientOptions): AuthSession {
  const cookies = options.cookies ?? false;
  const fetchJson = jsonOnly(options.fetch, cookies);
  const transport = () =>
    httpLink({
      url: options.url,
      fetch: fetchJson,
      transformer: superjson,
      headers: ({ op }) => ({
        ...authorizationHeader(op),
        ...(cookies ? { 'X-Token-Transport': 'cookie' } : {}),
      }),
    });
  // Refreshes go around the session link, so a refused refresh never triggers another.
  const bare = createTRPCClient<AppRouter>({ links: [transport()] });
  const rest = cookies
    ? cookieEndpoints(options.restUrl ?? restUrlBeside(options.url), fetchJson)
    : null;
  const session = new Session(
    // Cookie mode holds the access token in memory only, whatever `storage` says.
    cookies ? memoryTokenStore() : (options.storage ?? memoryTokenStore()),
    rest ? () => rest.refresh() : (refresh) => bare.auth.refresh.mutate({ refresh }),
    options.onSessionChange,
  );
  const client = createTRPCClient<AppRouter>({ links: [sessionLink(session, rest), transport()] });
  if (rest) session.subscribe((tokens) => signedInHint(tokens !== null));
  return {
    client,
    cookies,
    async resume() {
      if (!rest) return (await session.tokens()) !== null;
      // No login in this browser since the last logout: skip a refresh that could only fail.
      if (signedInHint() === false) return false;
      try {
        return (await session.renew(null)) !== null;
      } catch (error) {
        // No cookie, or a dead one: signed out. A network failure is for the caller to show.
        if (AuthClientError.from(error).status === 401) return false;
        if (AuthClientError.from(error).code === 'VALIDATION_ERROR') return false;
        throw error;
      }
    },
    subscribe: (listener) => session.subscribe(listener),
    forget: () => session.clear(),
  };
}

const HINT_KEY = 'auth-service.signed-in';

/**
 * Cookie mode's one bit in `localStorage`: whether this browser has logged in since it last
 * logged out (no token, nothing a script could use). Without it every page load of a signed-out
 * visitor would send a refresh bound to fail. Reads `undefined` where there is no storage.
 */
function signedInHint(value?: boolean): boolean | undefined {
  const storage = (globalThis as { localStorage?: StorageLike }).localStorage;
  if (!storage) return undefined;
  try {
    if (value === true) storage.setItem(HINT_KEY, '1');
    else if (value === false) storage.removeItem(HINT_KEY);
    return storage.getItem(HINT_KEY) === '1';
  } catch {
    return undefined; // storage refused (a privacy mode): always try the cookie
  }
}

export function createAuthClient(options: AuthClientOptions): AuthClient {
  return createAuthSession(options).client;
}
