import { AuthClientError } from './errors.js';

/**
 * A sentence for a person about a failed call, never a code or a JSON dump: how long to wait
 * when rate limited, that permission is missing, that the service or the network is down. For
 * the rest the server's own `detail` (already a sentence) or the first field error is used.
 */
export function describeError(error: unknown): string {
  const failure = AuthClientError.from(error);
  switch (failure.code) {
    case 'RATE_LIMITED':
      return `Too many requests. Try again ${inHowLong(failure.retryAfter)}.`;
    case 'PERMISSION_DENIED':
      return serverSentence(failure) ?? 'You do not have permission to do this.';
    case 'SERVICE_UNAVAILABLE':
      return `The service is unavailable at the moment. Try again ${inHowLong(failure.retryAfter ?? 30)}.`;
    case 'INTERNAL_ERROR':
      return 'Something went wrong on the server. Try again; if it keeps happening, tell whoever runs the service.';
    case 'NETWORK_ERROR':
      return 'The service cannot be reached. Check your connection and try again.';
    case 'NOT_AUTHENTICATED':
    case 'TOKEN_INVALID':
      return 'Your session has ended. Sign in again.';
    default:
      return (
        Object.values(failure.errors).flat()[0] ??
        serverSentence(failure) ??
        'The request failed. Try again.'
      );
  }
}

function serverSentence(failure: AuthClientError): string | undefined {
  const message = failure.message.trim();
  // tRPC's fallbacks for bodies it could not read are not sentences for a person.
  return /^[A-Z].*[.!?]$/s.test(message) && !message.includes('{') ? message : undefined;
}

function inHowLong(seconds: number | null): string {
  if (!seconds || seconds <= 1) return 'in a moment';
  if (seconds < 90) return `in ${seconds} seconds`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 90) return `in ${minutes} minutes`;
  const hours = Math.ceil(minutes / 60);
  return `in ${hours} hours`;
}
