import { useCallback, useEffect, useState, type FormEvent } from 'react';
import {
  createAuthSession,
  describeError,
  needsSecondFactor,
  type Session,
} from '@auth-service/client';
import { AuthProvider, useAuth, useSession } from '@auth-service/client/react';

// One per page, outside any component. Cookie mode: the refresh token stays in an HttpOnly
// cookie the service sets, the access token in memory; nothing goes to localStorage.
const auth = createAuthSession({ url: '/trpc', cookies: true });

export function App() {
  return (
    <AuthProvider session={auth}>
      <Page />
    </AuthProvider>
  );
}

function Page() {
  const { status, user } = useSession();
  const resetToken = new URLSearchParams(location.search).get('token');
  if (location.pathname === '/reset-password' && resetToken)
    return <ResetPassword token={resetToken} />;
  if (status === 'loading') return <p>Loading…</p>;
  if (status === 'signed-out' || !user) return <SignIn />;
  return (
    <main>
      <p data-testid="signed-in">
        Signed in as {user.full_name} ({user.email})
      </p>
      <Sessions />
      <LogOut />
    </main>
  );
}

function SignIn() {
  const { login, loginMfa, register, error, pending } = useAuth();
  const { client } = useSession();
  const [form, setForm] = useState({ email: '', password: '', full_name: '', code: '' });
  const [mode, setMode] = useState<'login' | 'register'>('login');
  // Set when the account has TOTP on: the password was right, a code finishes the login.
  const [mfaToken, setMfaToken] = useState<string | null>(null);
  const [notice, setNotice] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const { email, password, full_name, code } = form;
    const done =
      mfaToken !== null
        ? loginMfa({ mfa_token: mfaToken, code })
        : mode === 'login'
          ? login({ email, password }).then((result) => {
              if (needsSecondFactor(result)) setMfaToken(result.mfa_token);
            })
          : register({ email, password, full_name, password_confirm: password });
    done.catch(() => {}); // shown below through `error`
  };
  const forgot = async () => {
    await client.auth.forgotPassword.mutate({ email: form.email });
    setNotice('If the address has an account, a reset link is on its way.');
  };
  const field = (name: keyof typeof form) => ({
    name,
    value: form[name],
    onChange: (event: { target: { value: string } }) =>
      setForm({ ...form, [name]: event.target.value }),
  });
  if (mfaToken !== null) {
    return (
      <form onSubmit={submit}>
        <input autoComplete="one-time-code" placeholder="Authenticator code" {...field('code')} />
        <small>{error?.errors.code?.[0] ?? error?.errors.mfa_token?.[0]}</small>
        {error?.code === 'AUTHENTICATION_FAILED' && <p role="alert">Wrong code.</p>}
        <button disabled={pending}>Verify</button>
      </form>
    );
  }
  return (
    <form onSubmit={submit}>
      <input type="email" placeholder="Email" {...field('email')} />
      <small>{error?.errors.email?.[0]}</small>
      {mode === 'register' && <input placeholder="Full name" {...field('full_name')} />}
      <input type="password" placeholder="Password" {...field('password')} />
      <small>{error?.errors.password?.[0]}</small>
      {error?.code === 'AUTHENTICATION_FAILED' && <p role="alert">Wrong email or password.</p>}
      {error?.code === 'RATE_LIMITED' && <p role="alert">Try again in {error.retryAfter} s.</p>}
      <button disabled={pending}>{mode === 'login' ? 'Log in' : 'Sign up'}</button>
      <button type="button" onClick={() => setMode(mode === 'login' ? 'register' : 'login')}>
        {mode === 'login' ? 'Create an account' : 'I have an account'}
      </button>
      <button type="button" onClick={() => void forgot()}>
        Forgot password
      </button>
      <p>{notice}</p>
    </form>
  );
}

function Sessions() {
  const { client } = useSession();
  const [sessions, setSessions] = useState<Session[]>([]);
  const load = useCallback(
    () => client.sessions.list.query().then(({ results }) => setSessions(results)),
    [client],
  );
  useEffect(() => {
    void load();
  }, [load]);
  return (
    <ul>
      {sessions.map((session) => (
        <li key={session.id}>
          {session.user_agent ?? 'unknown device'}, since {session.created_at.toLocaleString()}
          {session.current ? (
            ' (this one)'
          ) : (
            <button
              onClick={() => void client.sessions.revoke.mutate({ id: session.id }).then(load)}
            >
              End this session
            </button>
          )}
        </li>
      ))}
    </ul>
  );
}

function LogOut() {
  const { logout, pending } = useAuth();
  // The provider hears the end of the session, here and in every other tab.
  return (
    <button disabled={pending} onClick={() => void logout()}>
      Log out
    </button>
  );
}

function ResetPassword({ token }: { token: string }) {
  const { client } = useSession();
  const [password, setPassword] = useState('');
  const [message, setMessage] = useState('');
  const submit = (event: FormEvent) => {
    event.preventDefault();
    client.auth.resetPassword
      .mutate({ token, password, password_confirm: password })
      .then(() => setMessage('Password changed: log in with it.'))
      .catch((error: unknown) => setMessage(describeError(error)));
  };
  return (
    <form onSubmit={submit}>
      <input
        type="password"
        placeholder="New password"
        value={password}
        onChange={(event) => setPassword(event.target.value)}
      />
      <button>Set password</button>
      <p role="status">{message}</p>
    </form>
  );
}
