/**
 * The breached-password rule as the password policy's last step (register, reset, change, the
 * CLI): a password found in the range API is a 400 on its field; an API that cannot be reached
 * under PASSWORD_BREACH_FAIL_CLOSED is a 503. Run only when every other rule passed, so an
 * obviously bad password costs no request.
 */
import { AppError, fieldError } from '../errors.js';
import { BreachCheckUnavailableError, type BreachedPasswords } from '../lib/breached-passwords.js';
import { passwordProblems } from './password-policy.js';

/** A short outage of the API is the likely cause: worth a retry soon. */
const RETRY_AFTER_SECONDS = 30;

const BREACHED =
  'This password has appeared in a data breach and cannot be used. Choose another one.';

export async function refuseBreached(
  breached: BreachedPasswords,
  password: string,
  field: string,
): Promise<void> {
  let found: boolean;
  try {
    found = await breached.isBreached(password);
  } catch (error) {
    if (error instanceof BreachCheckUnavailableError)
      throw new AppError('SERVICE_UNAVAILABLE', {
        detail: 'The password could not be checked against known breaches. Try again later.',
        retryAfterSeconds: RETRY_AFTER_SECONDS,
      });
    throw error;
  }
  if (found) throw fieldError(field, BREACHED);
}

/**
 * The whole policy for a password about to be set (reset, change, the CLI): its rules, each a
 * message on `field`, then the breach check, which runs only for a password the rules accept.
 */
export async function refuseUnacceptablePassword(
  deps: { settings: { passwordMinLength: number }; breachedPasswords: BreachedPasswords },
  password: string,
  about: { email?: string; fullName?: string },
  field: string,
): Promise<void> {
  const problems = passwordProblems(password, deps.settings.passwordMinLength, about);
  if (problems.length) throw fieldError(field, ...problems);
  await refuseBreached(deps.breachedPasswords, password, field);
}
