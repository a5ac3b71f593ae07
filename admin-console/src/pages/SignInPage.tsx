/**
 * Staff sign in with email and password. A non-staff account is told plainly it has no access
 * (its fresh session is ended at once). The second factor (MFA) will be a step of its own
 * here, after the password, when two-factor login lands: see session.tsx.
 */
import { isAuthClientError } from '@auth-service/client';
import { useId, useState, type FormEvent } from 'react';
import { ErrorNotice } from '../components/Notice';
import { useSession, type SignInStep } from '../session';

export function SignInPage() {
  const { signIn, endedBecause } = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [step, setStep] = useState<SignInStep>({ kind: 'credentials' });
  const emailId = useId();
  const passwordId = useId();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      setStep(await signIn(email.trim(), password));
      setPassword('');
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const wrongCredentials =
    isAuthClientError(error) && error.code === 'AUTHENTICATION_FAILED'
      ? 'The email or password is wrong, or the account is deactivated.'
      : null;

  return (
    <section className="sign-in" aria-labelledby="sign-in-title">
      <h1 id="sign-in-title" tabIndex={-1}>
        Sign in to the admin console
      </h1>
      <p className="muted">For staff of this service only.</p>
      {endedBecause && step.kind === 'credentials' && !error && (
        <p className="notice notice-info" role="status">
          {endedBecause}
        </p>
      )}
      {step.kind === 'no-access' && (
        <p className="notice notice-error" role="alert">
          The account {step.email} has no access to the admin console: only staff accounts can sign
          in here.
        </p>
      )}
      {wrongCredentials ? (
        <p className="notice notice-error" role="alert">
          {wrongCredentials}
        </p>
      ) : (
        <ErrorNotice error={error} />
      )}
      <form onSubmit={(event) => void submit(event)} className="form" noValidate>
        <label htmlFor={emailId}>Email</label>
        <input
          id={emailId}
          type="email"
          autoComplete="username"
          required
          value={email}
          onChange={(event) => setEmail(event.target.value)}
        />
        <label htmlFor={passwordId}>Password</label>
        <input
          id={passwordId}
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(event) => setPassword(event.target.value)}
        />
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </section>
  );
}
