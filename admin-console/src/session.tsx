/**
 * The staff member's session, in one of the SDK's two browser modes, as the page that served
 * the console says (transport.ts): with AUTH_COOKIES on, cookie mode (the refresh token in an
 * HttpOnly cookie no script reads, the access token in memory; a reload resumes the session
 * from the cookie); otherwise memory only (a reload signs out). No token ever goes to
 * `localStorage`.
 *
 * Signing in is a sequence of steps; each returns the next one: credentials, then, when the
 * account has TOTP on, the second factor (login answers `mfa_required` and an `mfa_token`, and
 * the code or a recovery code finishes it), then the staff check.
 */
import {
  createAuthSession,
  type AdminUserDetail,
  type AuthClient,
  type User,
  needsSecondFactor,
} from '@auth-service/client';
import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { tokenTransport } from './transport';

export type SignInStep =
  | { kind: 'credentials' }
  | { kind: 'second-factor'; email: string; mfaToken: string }
  | { kind: 'signed-in'; staff: AdminUserDetail }
  | { kind: 'no-access'; email: string };

interface SessionValue {
  client: AuthClient;
  staff: AdminUserDetail | null;
  /** True while a page load picks up the session from the cookie (cookie mode only). */
  resuming: boolean;
  /** Why the last session ended, when it ended on its own (shown on the sign-in page). */
  endedBecause: string | null;
  signIn(email: string, password: string): Promise<SignInStep>;
  /** The second step when TOTP is on: a code from the app, or a recovery code. */
  confirmCode(mfaToken: string, code: string): Promise<SignInStep>;
  signOut(): Promise<void>;
}

const SessionContext = createContext<SessionValue | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [staff, setStaff] = useState<AdminUserDetail | null>(null);
  const [endedBecause, setEndedBecause] = useState<string | null>(null);
  const [cookies] = useState(() => tokenTransport() === 'cookie');
  const [resuming, setResuming] = useState(cookies);

  const { value, resume } = useMemo(() => {
    let signingOut = false;
    const { client, resume } = createAuthSession({
      url: new URL('/trpc', window.location.origin).toString(),
      cookies,
      onSessionChange: (tokens) => {
        if (tokens || signingOut) return;
        // A refresh the server refused: deactivated, ended by someone else, expired.
        setStaff(null);
        setEndedBecause('Your session has ended. Sign in again.');
      },
    });

    /** The account behind a fresh or resumed session, when it is staff; otherwise it ends here. */
    async function admit(user: User): Promise<SignInStep> {
      if (!user.is_staff) {
        await endQuietly();
        return { kind: 'no-access', email: user.email };
      }
      const detail = await client.admin.getUser.query({ id: user.id });
      setStaff(detail);
      setEndedBecause(null);
      return { kind: 'signed-in', staff: detail };
    }

    async function endQuietly() {
      signingOut = true;
      try {
        await client.auth.logout.mutate({});
      } catch {
        // The tokens are dropped whatever the server answered.
      } finally {
        signingOut = false;
      }
    }

    /** A page load in cookie mode: the session the cookie holds, when it is a staff member's. */
    async function resumeStaff(): Promise<void> {
      if (!(await resume())) return;
      await admit(await client.profile.get.query());
    }

    const value: SessionValue = {
      client,
      staff: null,
      resuming: false,
      endedBecause: null,
      async signIn(email, password) {
        const result = await client.auth.login.mutate({ email, password });
        if (needsSecondFactor(result)) {
          return { kind: 'second-factor', email, mfaToken: result.mfa_token };
        }
        return admit(result.user);
      },
      async confirmCode(mfaToken, code) {
        return admit((await client.auth.loginMfa.mutate({ mfa_token: mfaToken, code })).user);
      },
      async signOut() {
        await endQuietly();
        setStaff(null);
        setEndedBecause(null);
      },
    };
    return { value, resume: resumeStaff };
  }, [cookies]);

  useEffect(() => {
    if (!cookies) return;
    resume()
      // Unreachable service or the like: the sign-in page, where signing in says what is wrong.
      .catch(() => undefined)
      .finally(() => setResuming(false));
  }, [cookies, resume]);

  return (
    <SessionContext.Provider value={{ ...value, staff, resuming, endedBecause }}>
      {children}
    </SessionContext.Provider>
  );
}

export function useSession(): SessionValue {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}
