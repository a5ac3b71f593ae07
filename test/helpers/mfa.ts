/**
 * TOTP codes computed in the test from the secret the service handed out (RFC 6238 with the
 * otpauth library, independently of the service's own checking), and an account with TOTP on.
 */
import { expect } from 'chai';
import { Secret, TOTP } from 'otpauth';
import { bearer, type TestApp } from './app.js';
import type { ManualClock } from './clock.js';
import { STRONG_PASSWORD } from './factories.js';

/** The code an authenticator app with `secret` shows at `at`, `steps` 30-second steps away. */
export function totpCode(secret: string, at: Date, steps = 0): string {
  const totp = new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30 });
  return totp.generate({ timestamp: at.getTime() + steps * 30_000 });
}

/** A time 5 seconds into a 30-second step, so one step either way is unambiguous. */
export const STEP_START = new Date(Math.floor(Date.now() / 30_000) * 30_000 + 5_000);

export interface TotpAccount {
  secret: string;
  recoveryCodes: string[];
}

/** Turns TOTP on for the holder of `access` over REST, at the clock's current step. */
export async function enableTotp(
  testApp: TestApp,
  access: string,
  clock: ManualClock,
): Promise<TotpAccount> {
  const setup = await testApp
    .http()
    .post('/api/auth/mfa/totp/setup/')
    .set(bearer(access))
    .send({ password: STRONG_PASSWORD });
  expect(setup.status, JSON.stringify(setup.body)).to.equal(200);
  const secret = setup.body.secret as string;
  const confirm = await testApp
    .http()
    .post('/api/auth/mfa/totp/confirm/')
    .set(bearer(access))
    .send({ code: totpCode(secret, clock.now()) });
  expect(confirm.status, JSON.stringify(confirm.body)).to.equal(200);
  // The confirming code's step is used: the tests' codes come from the next one on.
  clock.advanceSeconds(30);
  return { secret, recoveryCodes: confirm.body.recovery_codes as string[] };
}
