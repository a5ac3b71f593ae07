/**
 * Every check of a password against an account goes through here (login, change-password, and
 * any procedure that asks for the password to confirm) and every check of a second factor, so
 * each one counts toward the account's failed-password lock, whichever procedure asks and
 * however the attempts arrive.
 *
 * - The check is claimed before anything else happens (rate-limit/limiter.ts): a locked account
 *   costs no query and no hash, and parallel attempts cannot all slip past the limit.
 * - An unknown account runs a dummy hash through the same queue as a real one, and counts as
 *   a failure, so neither the time nor the lock tells whether the account exists.
 * - A deactivated account counts a right password as wrong: otherwise the lock being cleared
 *   would tell a guesser that their guess was right.
 */
import { fieldError } from '../errors.js';
import type { PasswordHasher } from '../lib/password-hasher.js';
import { assertAllowed } from '../lib/rate-limit/refusal.js';
import type { RateLimits } from '../lib/rate-limit/types.js';

export interface CheckedAccount {
  passwordHash: string;
  isActive: boolean;
}

/**
 * How a claimed check ended: wrong (it stays counted), right (the account's failures are
 * forgotten), or a right first factor that a second must follow (nothing counted or forgotten).
 */
export type CheckOutcome = 'wrong' | 'right' | 'first-factor';

export class PasswordChecks {
  constructor(
    private readonly hasher: PasswordHasher,
    private readonly rateLimits: RateLimits,
  ) {}

  /**
   * Whether `password` opens the account of `email`, loaded by `load` once the check is
   * claimed. Throws RATE_LIMITED (429) while the account is locked.
   *
   * `secondFactor` says whether the account asks for a second factor after its password
   * (login with TOTP on): then a right password forgets none of the account's failures, so
   * logging in again cannot wipe out the wrong codes counted since.
   */
  async check<Account extends CheckedAccount>(
    email: string,
    password: string,
    load: () => Promise<Account | null>,
    secondFactor?: (account: Account) => Promise<boolean>,
  ): Promise<{ account: Account | null; matched: boolean; awaitsSecondFactor: boolean }> {
    let account: Account | null = null;
    let awaitsSecondFactor = false;
    const matched = await this.claim(email, async () => {
      const loaded = await load();
      account = loaded;
      if (!loaded) {
        await this.hasher.verifyDummy(password);
        return 'wrong';
      }
      const right = (await this.hasher.verify(loaded.passwordHash, password)) && loaded.isActive;
      if (!right) return 'wrong';
      awaitsSecondFactor = secondFactor ? await secondFactor(loaded) : false;
      return awaitsSecondFactor ? 'first-factor' : 'right';
    });
    return { account, matched, awaitsSecondFactor };
  }

  /**
   * The signed-in caller's own password, confirming a change (TOTP setup, an email change,
   * deletion, ...): a wrong one is a 400 on `password`, and counts toward the lock.
   */
  async confirm(account: CheckedAccount & { email: string }, password: string): Promise<void> {
    const { matched } = await this.check(account.email, password, async () => account);
    if (!matched) throw fieldError('password', 'Password is incorrect.');
  }

  /**
   * Any other credential of the account (a TOTP or recovery code), under the same lock: a wrong
   * one counts as a failed login, so a guesser holding the password cannot try the codes' one
   * million values faster than passwords. `attempt` runs once the check is claimed and says
   * how it ended; the answer is whether the credential was right.
   */
  async claim(email: string, attempt: () => Promise<CheckOutcome>): Promise<boolean> {
    const reservation = await this.rateLimits.reservePasswordCheck(email);
    assertAllowed(reservation.verdict);
    let outcome: CheckOutcome;
    try {
      outcome = await attempt();
    } catch (error) {
      await reservation.release();
      throw error;
    }
    if (outcome === 'wrong') await reservation.failed();
    else if (outcome === 'right') await reservation.succeeded();
    else await reservation.release();
    return outcome !== 'wrong';
  }
}
