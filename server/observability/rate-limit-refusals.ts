/**
 * Rate limits that report their refusals (auth_rate_limit_refusals_total{limit}), around the
 * limiter the services use: the limiter itself stays free of metrics. The failed-login lock
 * counts as `loginAccount`.
 */
import type { OpenedRateLimits } from '../lib/rate-limit/index.js';
import type { Telemetry } from '../lib/telemetry.js';

export function reportingRefusals(
  limits: OpenedRateLimits,
  telemetry: Telemetry,
): OpenedRateLimits {
  return {
    get enabled() {
      return limits.enabled;
    },
    storeKind: limits.storeKind,
    async consume(name, subject) {
      const verdict = await limits.consume(name, subject);
      if (!verdict.allowed) telemetry.rateLimitRefused(name);
      return verdict;
    },
    async reservePasswordCheck(email) {
      const reservation = await limits.reservePasswordCheck(email);
      if (!reservation.verdict.allowed) telemetry.rateLimitRefused('loginAccount');
      return reservation;
    },
    clearLoginFailures: (email) => limits.clearLoginFailures(email),
    close: () => limits.close(),
  };
}
