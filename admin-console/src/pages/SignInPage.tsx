/**
 * Staff sign in with email and password, then, when the account has TOTP on, a code from the
 * authenticator app (or a recovery code). A non-staff account is told plainly it has no access
 * (its fresh session is ended at once).
 */
import { isAuthClientError } from '@auth-service/client';
import { useId, useState, type FormEvent } from 'react';
import { ErrorNotice } from '../components/Notice';
import { useSession, type SignInStep } from '../session';

export function SignInPage() {
  const { signIn, confirmCode, endedBecause } = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [step, setStep] = useState<SignInStep>({ kind: 'credentials' });
  const emailId = useId();
  const passwordId = useId();
  const codeId = useId();

  const attempt = async (event: FormEvent, next: () => Promise<SignInStep>) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      setStep(await next());
      setPassword('');
      setCode('');
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  const secondFactor = step.kind === 'second-factor' ? step : null;
  const wrongCredentials =
    isAuthClientError(error) && error.code === 'AUTHENTICATION_FAILED'
      ? secondFactor
        ? 'That code is wrong or was already used. Try the current code from your app.'
        : 'The email or password is wrong, or the account is deactivated.'
      : null;
  const codeExpired =
    secondFactor && isAuthClientError(error) && error.code === 'TOKEN_INVALID'
      ? 'This sign-in took too long or had too many wrong codes. Start again.'
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
      {codeExpired ? null : wrongCredentials ? (
        <p className="notice notice-error" role="alert">
          {wrongCredentials}
        </p>
      ) : (
        <ErrorNotice error={error} />
      )}
      {codeExpired && (
        <p className="notice notice-error" role="alert">
          {codeExpired}{' '}
          <button type="button" className="button" onClick={() => setStep({ kind: 'credentials' })}>
            Start again
          </button>
        </p>
      )}
      {secondFactor ? (
        <form
          onSubmit={(event) =>
            void attempt(event, () => confirmCode(secondFactor.mfaToken, code.trim()))
          }
          className="form"
          noValidate
        >
          <p>
            {secondFactor.email} has two-factor login on. Enter the 6-digit code from your
            authenticator app, or one of your recovery codes.
          </p>
          <label htmlFor={codeId}>Code</label>
          <input
            id={codeId}
            autoComplete="one-time-code"
            inputMode="text"
            required
            value={code}
            onChange={(event) => setCode(event.target.value)}
          />
          <button type="submit" className="button button-primary" disabled={busy}>
            {busy ? 'Checking…' : 'Verify code'}
          </button>
        </form>
      ) : (
        <form
          onSubmit={(event) => void attempt(event, () => signIn(email.trim(), password))}
          className="form"
          noValidate
        >
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
      )}
    </section>
  );
}
