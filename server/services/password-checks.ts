/**
 * Every check of a password against an account goes through here (login, change-password, and
 * any procedure that asks for the password to confirm), so each one counts toward the account's
 * failed-password lock, whichever procedure asks and however the attempts arrive.
 *
 * - The check is claimed before anything else happens (rate-limit/limiter.ts): a locked account
 *   costs no query and no hash, and parallel attempts cannot all slip past the limit.
 * - An unknown account runs a dummy hash through the same queue as a real one, and counts as
 *   a failure, so neither the time nor the lock tells whether the account exists.
 * - A deactivated account counts a right password as wrong: otherwise the lock being cleared
 *   would tell a guesser that their guess was right.
 */
import type { PasswordHasher } from '../lib/password-hasher.js';
import { assertAllowed } from '../lib/rate-limit/refusal.js';
import type { RateLimits } from '../lib/rate-limit/types.js';

export interface CheckedAccount {
  passwordHash: string;
  isActive: boolean;
}

export class PasswordChecks {
  constructor(
    private readonly hasher: PasswordHasher,
    private readonly rateLimits: RateLimits,
  ) {}

  /**
   * Whether `password` opens the account of `email`, loaded by `load` once the check is
   * claimed. Throws RATE_LIMITED (429) while the account is locked.
   */
  async check<Account extends CheckedAccount>(
    email: string,
    password: string,
    load: () => Promise<Account | null>,
  ): Promise<{ account: Account | null; matched: boolean }> {
    const reservation = await this.rateLimits.reservePasswordCheck(email);
    assertAllowed(reservation.verdict);
    let account: Account | null;
    let matched: boolean;
    try {
      account = await load();
      if (account) {
        matched = (await this.hasher.verify(account.passwordHash, password)) && account.isActive;
      } else {
        await this.hasher.verifyDummy(password);
        matched = false;
      }
    } catch (error) {
      await reservation.release();
      throw error;
    }
    await (matched ? reservation.succeeded() : reservation.failed());
    return { account, matched };
  }
}
