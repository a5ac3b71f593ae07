/**
 * @auth-service/client/react: the session as React state.
 *
 *   <AuthProvider session={createAuthSession({ url: '/trpc', cookies: true })}>
 *   useSession()  → { status: 'loading' | 'signed-in' | 'signed-out', user, client }
 *   useAuth()     → { register, login, loginMfa, logout, error, pending }
 *
 * The provider picks the session up on mount (cookie mode: one refresh from the cookie), loads
 * the user, and re-renders on login, register, logout, a refresh the server refuses, and what
 * another tab of the same origin does (a BroadcastChannel). Errors are AuthClientError, with
 * `code` typed, so no cast is needed. Plain createElement, no JSX: the package needs no JSX
 * runtime of its own, and React 18 and 19 both fit.
 */
import {
  createContext,
  createElement,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useState,
  type ReactNode,
} from 'react';
import {
  AuthClientError,
  needsSecondFactor,
  type AuthClient,
  type AuthSession,
} from '@auth-service/client';
import type {
  AuthResult,
  LoginResult,
  MfaLoginInput,
  RouterInputs,
  User,
} from '@auth-service/client';

export type SessionStatus = 'loading' | 'signed-in' | 'signed-out';

export interface SessionState {
  status: SessionStatus;
  /** The signed-in user; null while loading and when signed out. */
  user: User | null;
}

interface AuthContextValue {
  session: AuthSession;
  state: SessionState;
  /** Sets the user after a login or register here, and tells the other tabs. */
  signedIn(user: User): void;
  /** Reloads the user from the server (after a profile change, say). */
  reload(): Promise<void>;
}

const AuthContext = createContext<AuthContextValue | null>(null);
const CHANNEL = 'auth-service.session';
const SIGNED_OUT: SessionState = { status: 'signed-out', user: null };

type Message = 'signed-in' | 'signed-out';

function openChannel(): BroadcastChannel | null {
  return typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel(CHANNEL);
}

export interface AuthProviderProps {
  /** One per page: `createAuthSession({ url, cookies: true })`, made outside any component. */
  session: AuthSession;
  children?: ReactNode;
}

export function AuthProvider({ session, children }: AuthProviderProps) {
  const [state, setState] = useState<SessionState>({ status: 'loading', user: null });
  const [channel] = useState(openChannel);

  const reload = useCallback(async () => {
    try {
      const user = await session.client.profile.get.query();
      setState({ status: 'signed-in', user });
    } catch (error) {
      if (AuthClientError.from(error).status === 401) setState(SIGNED_OUT);
      else throw error;
    }
  }, [session]);

  useEffect(() => {
    let active = true;
    // A session ended here (logout, a refused refresh) is ended in every tab.
    const unsubscribe = session.subscribe((tokens) => {
      if (tokens || !active) return;
      setState(SIGNED_OUT);
      channel?.postMessage('signed-out' satisfies Message);
    });
    const start = async () => {
      const resumed = await session.resume().catch(() => false);
      if (!active) return;
      if (resumed) await reload().catch(() => active && setState(SIGNED_OUT));
      else setState(SIGNED_OUT);
    };
    if (channel) {
      channel.onmessage = (event: MessageEvent<Message>) => {
        if (event.data === 'signed-out') {
          // Forgetting announces null, which would post back; the state is set here instead.
          active = false;
          void session.forget().finally(() => {
            active = true;
            setState(SIGNED_OUT);
          });
        } else if (event.data === 'signed-in') void start();
      };
    }
    void start();
    return () => {
      active = false;
      unsubscribe();
      if (channel) channel.onmessage = null;
    };
  }, [session, channel, reload]);

  useEffect(() => () => channel?.close(), [channel]);

  const signedIn = useCallback(
    (user: User) => {
      setState({ status: 'signed-in', user });
      channel?.postMessage('signed-in' satisfies Message);
    },
    [channel],
  );

  const value = useMemo(
    () => ({ session, state, signedIn, reload }),
    [session, state, signedIn, reload],
  );
  return createElement(AuthContext.Provider, { value }, children);
}

function useAuthContext(): AuthContextValue {
  const context = useContext(AuthContext);
  if (!context) throw new Error('useSession and useAuth need an <AuthProvider> above them');
  return context;
}

export interface UseSession extends SessionState {
  /** The typed client, for every other procedure (`client.sessions.list.query()`). */
  client: AuthClient;
  reload(): Promise<void>;
}

/** The session's state; re-renders when it changes here or in another tab. */
export function useSession(): UseSession {
  const { session, state, reload } = useAuthContext();
  return { ...state, client: session.client, reload };
}

export interface UseAuth {
  register(input: RouterInputs['auth']['register']): Promise<AuthResult>;
  /**
   * Signed in, or, when the account has TOTP on, the challenge to finish with `loginMfa`: the
   * union makes the caller handle both (`needsSecondFactor(result)`).
   */
  login(input: RouterInputs['auth']['login']): Promise<LoginResult>;
  /** The second step of a login with TOTP on: the challenge's `mfa_token` and a code. */
  loginMfa(input: MfaLoginInput): Promise<AuthResult>;
  logout(): Promise<void>;
  /** The last call's failure: `error.code`, `error.errors.email`, `error.retryAfter`. */
  error: AuthClientError | null;
  pending: boolean;
}

/** Register, log in and log out; each rejects with the same AuthClientError it sets as `error`. */
export function useAuth(): UseAuth {
  const { session, signedIn } = useAuthContext();
  const [error, setError] = useState<AuthClientError | null>(null);
  const [pending, setPending] = useState(false);

  const run = useCallback(async <T>(call: () => Promise<T>): Promise<T> => {
    setPending(true);
    setError(null);
    try {
      return await call();
    } catch (thrown) {
      const failure = AuthClientError.from(thrown);
      setError(failure);
      throw failure;
    } finally {
      setPending(false);
    }
  }, []);

  // A login or registration sets the user at once (no second round trip) and tells other tabs.
  const signIn = useCallback(
    <Result extends LoginResult>(call: () => Promise<Result>) =>
      run(async () => {
        const result = await call();
        if (!needsSecondFactor(result)) signedIn(result.user);
        return result;
      }),
    [run, signedIn],
  );

  const { client } = session;
  return {
    error,
    pending,
    register: useCallback(
      (input: RouterInputs['auth']['register']) => signIn(() => client.auth.register.mutate(input)),
      [client, signIn],
    ),
    login: useCallback(
      (input: RouterInputs['auth']['login']) => signIn(() => client.auth.login.mutate(input)),
      [client, signIn],
    ),
    loginMfa: useCallback(
      (input: MfaLoginInput) => signIn(() => client.auth.loginMfa.mutate(input)),
      [client, signIn],
    ),
    // The client clears its tokens whatever the server answers; the provider hears it.
    logout: useCallback(
      () =>
        run(async () => {
          await client.auth.logout.mutate();
        }),
      [client, run],
    ),
  };
}
