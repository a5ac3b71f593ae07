import { describeError } from '@auth-service/client';

/** A failure as a sentence (describeError), announced to screen readers at once. */
export function ErrorNotice({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <p className="notice notice-error" role="alert">
      {describeError(error)}
    </p>
  );
}

/** The result of an action; a live region, so it is read out without moving focus. */
export function ResultNotice({ message }: { message: string | null }) {
  return (
    <p className={message ? 'notice notice-success' : 'visually-hidden'} role="status">
      {message ?? ''}
    </p>
  );
}
