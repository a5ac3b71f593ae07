/**
 * The staff member's session. Tokens live in memory only (the SDK's default store): a reload
 * signs out, and no script-readable storage holds them. The cookie transport replaces this
 * when it lands.
 *
 * Signing in is a sequence of steps; each returns the next one: credentials, then, when the
 * account has TOTP on, the second factor (login answers `mfa_required` and an `mfa_token`, and
 * the code or a recovery code finishes it), then the staff check.
 */
import {
  createAuthClient,
  type AdminUserDetail,
  type AuthClient,
  type AuthResult,
  needsSecondFactor,
} from '@auth-service/client';
import { createContext, useContext, useMemo, useState, type ReactNode } from 'react';

export type SignInStep =
  | { kind: 'credentials' }
  | { kind: 'second-factor'; email: string; mfaToken: string }
  | { kind: 'signed-in'; staff: AdminUserDetail }
  | { kind: 'no-access'; email: string };

interface SessionValue {
  client: AuthClient;
  staff: AdminUserDetail | null;
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

  const value = useMemo<SessionValue>(() => {
    let signingOut = false;
    const client = createAuthClient({
      url: new URL('/trpc', window.location.origin).toString(),
      onSessionChange: (tokens) => {
        if (tokens || signingOut) return;
        // A refresh the server refused: deactivated, ended by someone else, expired.
        setStaff(null);
        setEndedBecause('Your session has ended. Sign in again.');
      },
    });

    /** The account behind a fresh login, when it is staff; otherwise its session ends here. */
    async function admit(result: AuthResult): Promise<SignInStep> {
      if (!result.user.is_staff) {
        await endQuietly();
        return { kind: 'no-access', email: result.user.email };
      }
      const detail = await client.admin.getUser.query({ id: result.user.id });
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

    return {
      client,
      staff: null,
      endedBecause: null,
      async signIn(email, password) {
        const result = await client.auth.login.mutate({ email, password });
        if (needsSecondFactor(result)) {
          return { kind: 'second-factor', email, mfaToken: result.mfa_token };
        }
        return admit(result);
      },
      async confirmCode(mfaToken, code) {
        return admit(await client.auth.loginMfa.mutate({ mfa_token: mfaToken, code }));
      },
      async signOut() {
        await endQuietly();
        setStaff(null);
        setEndedBecause(null);
      },
    };
  }, []);

  return (
    <SessionContext.Provider value={{ ...value, staff, endedBecause }}>
      {children}
    </SessionContext.Provider>
  );
}

export function useSession(): SessionValue {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}
