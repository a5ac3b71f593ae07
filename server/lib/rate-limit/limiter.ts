/**
 * The service's rate limits over rate-limiter-flexible: one fixed-window counter per limit name,
 * plus the failed-login lockout, which allows a burst of failures per account and then locks it
 * for a period that doubles with each further lock (capped), until a login or reset succeeds.
 */
import { createHash } from 'node:crypto';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { LimiterStore } from './store.js';
import type {
  LoginLockoutRule,
  PasswordCheckReservation,
  RateLimitName,
  RateLimitRule,
  RateLimits,
  RateLimitVerdict,
} from './types.js';

export interface RateLimitSettings {
  enabled: boolean;
  limits: Record<RateLimitName, RateLimitRule>;
  loginLockout: LoginLockoutRule;
}

/** Accounts are keyed by a digest of the normalized email: no addresses sit in the store. */
export function accountSubject(email: string): string {
  const normalized = email.trim().toLowerCase();
  return createHash('sha256').update(normalized).digest('base64url').slice(0, 32);
}

/** A consume that goes over the quota rejects with a RateLimiterRes; both are an answer here. */
async function settle(attempt: Promise<RateLimiterRes>): Promise<RateLimiterRes> {
  try {
    return await attempt;
  } catch (outcome) {
    if (outcome instanceof RateLimiterRes) return outcome;
    throw outcome;
  }
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/** The endings of a claim that was refused, or of one that counts nothing. */
const NOTHING_TO_SETTLE = {
  failed: async () => {},
  succeeded: async () => {},
  release: async () => {},
};

export class FlexibleRateLimits implements RateLimits {
  readonly enabled = true;
  private readonly limiters = new Map<RateLimitName, RateLimiterAbstract>();
  private readonly loginFailures: RateLimiterAbstract;
  private readonly loginLocks: RateLimiterAbstract;
  private readonly lockout: LoginLockoutRule;

  constructor(
    settings: RateLimitSettings,
    private readonly store: LimiterStore,
  ) {
    for (const [name, rule] of Object.entries(settings.limits) as [
      RateLimitName,
      RateLimitRule,
    ][]) {
      this.limiters.set(name, store.create({ name, ...rule }));
    }
    this.lockout = settings.loginLockout;
    this.loginFailures = store.create({
      name: 'loginFailures',
      points: this.lockout.failures,
      durationSeconds: this.lockout.windowSeconds,
    });
    // How many times the account was locked lately; each lock lasts twice the one before.
    this.loginLocks = store.create({
      name: 'loginLocks',
      points: Number.MAX_SAFE_INTEGER,
      durationSeconds: this.lockout.windowSeconds + this.lockout.maxLockSeconds,
    });
  }

  get storeKind() {
    return this.store.kind;
  }

  async consume(name: RateLimitName, subject: string): Promise<RateLimitVerdict> {
    const limiter = this.limiters.get(name)!;
    const result = await settle(limiter.consume(subject));
    return {
      allowed: result.consumedPoints <= limiter.points,
      limit: limiter.points,
      remaining: result.remainingPoints,
      resetSeconds: seconds(result.msBeforeNext),
      windowSeconds: limiter.duration,
    };
  }

  /**
   * The claim is the failure counter's increment, taken before the hash: a check counts as a
   * failure from the start and stops counting only when it succeeds (everything is forgotten)
   * or never ran (its point is given back). Counting after the hash instead would let every
   * attempt already in flight through the check, whatever the limit.
   */
  async reservePasswordCheck(email: string): Promise<PasswordCheckReservation> {
    const { failures, windowSeconds } = this.lockout;
    const subject = accountSubject(email);
    const result = await settle(this.loginFailures.consume(subject));
    const attempt = result.consumedPoints;
    const verdict = {
      allowed: attempt <= failures,
      limit: failures,
      remaining: Math.max(0, failures - attempt),
      resetSeconds: seconds(result.msBeforeNext),
      windowSeconds,
    };
    if (!verdict.allowed) return { verdict, ...NOTHING_TO_SETTLE };
    return {
      verdict,
      // Exactly one claim holds the last place in the burst, however many race: its failure locks.
      failed: () => (attempt === failures ? this.lock(subject) : Promise.resolve()),
      succeeded: () => this.clearLoginFailures(email),
      release: async () => {
        await this.loginFailures.reward(subject, 1);
      },
    };
  }

  private async lock(subject: string): Promise<void> {
    const { windowSeconds, maxLockSeconds } = this.lockout;
    const locks = (await settle(this.loginLocks.consume(subject))).consumedPoints;
    const lockSeconds = Math.min(windowSeconds * 2 ** Math.min(locks - 1, 30), maxLockSeconds);
    await this.loginFailures.block(subject, lockSeconds);
    // Earlier locks count until a quiet spell of maxLockSeconds follows the last one.
    await this.loginLocks.set(subject, locks, lockSeconds + maxLockSeconds);
  }

  async clearLoginFailures(email: string): Promise<void> {
    const subject = accountSubject(email);
    await Promise.all([this.loginFailures.delete(subject), this.loginLocks.delete(subject)]);
  }

  close() {
    return this.store.close();
  }
}

/** RATE_LIMIT_ENABLED=false: for load tests and benchmarks only; start-up warns about it. */
export class DisabledRateLimits implements RateLimits {
  readonly enabled = false;
  readonly storeKind = 'off';

  async consume(): Promise<RateLimitVerdict> {
    return { allowed: true, limit: 0, remaining: 0, resetSeconds: 0, windowSeconds: 0 };
  }

  async reservePasswordCheck(): Promise<PasswordCheckReservation> {
    return { verdict: await this.consume(), ...NOTHING_TO_SETTLE };
  }

  async clearLoginFailures() {}

  async close() {}
}
