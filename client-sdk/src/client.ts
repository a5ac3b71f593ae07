import { createTRPCClient, httpLink, type TRPCClient } from '@trpc/client';
import superjson from 'superjson';
import { UnexpectedResponseError } from './errors.js';
import { Session, type SessionListener } from './session.js';
import { authorizationHeader, sessionLink } from './session-link.js';
import { memoryTokenStore, type TokenStore } from './token-store.js';
import type { AppRouter } from './types.js';

/** The `fetch` signature tRPC's HTTP link calls; `window.fetch` and Node's `fetch` fit. */
export type FetchLike = NonNullable<Parameters<typeof httpLink>[0]['fetch']>;

export interface AuthClientOptions {
  /** The service's tRPC endpoint, e.g. `https://auth.example.com/trpc`. */
  url: string;
  /** A `fetch` to use instead of the global one (tests, React Native, a custom agent). */
  fetch?: FetchLike;
  /** Where the tokens live; memory by default. See `localStorageTokenStore()`. */
  storage?: TokenStore;
  /**
   * Called with the new tokens after login, register, refresh and change-password, and with
   * `null` when the session ends: logout, or a refresh the server refused.
   */
  onSessionChange?: SessionListener;
}

/** Every procedure of the server, typed from its router: `client.auth.login.mutate(...)`. */
export type AuthClient = TRPCClient<AppRouter>;

/** The given `fetch` (or the global one, looked up per call), refusing answers that are not JSON. */
function jsonOnly(fetchImplementation: FetchLike | undefined): FetchLike {
  return async (input, init) => {
    const response = await (fetchImplementation ?? (globalThis.fetch as FetchLike))(input, init);
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

export function createAuthClient(options: AuthClientOptions): AuthClient {
  const fetchJson = jsonOnly(options.fetch);
  const transport = () =>
    httpLink({
      url: options.url,
      fetch: fetchJson,
      transformer: superjson,
      headers: ({ op }) => authorizationHeader(op),
    });
  // Refreshes go around the session link, so a refused refresh never triggers another.
  const bare = createTRPCClient<AppRouter>({ links: [transport()] });
  const session = new Session(
    options.storage ?? memoryTokenStore(),
    (refresh) => bare.auth.refresh.mutate({ refresh }),
    options.onSessionChange,
  );
  return createTRPCClient<AppRouter>({ links: [sessionLink(session), transport()] });
}
