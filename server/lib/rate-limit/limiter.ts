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

  async checkLogin(email: string): Promise<RateLimitVerdict> {
    const { failures, windowSeconds } = this.lockout;
    const result = await this.loginFailures.get(accountSubject(email));
    const consumed = result?.consumedPoints ?? 0;
    return {
      allowed: consumed < failures,
      limit: failures,
      remaining: Math.max(0, failures - consumed),
      resetSeconds: result ? seconds(result.msBeforeNext) : windowSeconds,
      windowSeconds,
    };
  }

  async recordLoginFailure(email: string): Promise<void> {
    const subject = accountSubject(email);
    const result = await settle(this.loginFailures.consume(subject));
    // Exactly one failure completes the burst, however many race; it sets the lock.
    if (result.consumedPoints !== this.lockout.failures) return;
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

  async checkLogin(): Promise<RateLimitVerdict> {
    return this.consume();
  }

  async recordLoginFailure() {}

  async clearLoginFailures() {}

  async close() {}
}
