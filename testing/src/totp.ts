/**
 * Two-factor login for kit users: TOTP turned on through the service's own procedures, and the
 * codes an authenticator app would show, computed from the secret at the kit's clock.
 */
import { Secret, TOTP } from 'otpauth';
import type { TestClock } from './clock.js';
import { expectStatus, type KitResponse, type RequestOptions } from './rest.js';

export interface TotpDevice {
  /** The base32 secret the service handed out at setup. */
  secret: string;
  /** The ten recovery codes shown once at confirmation. */
  recoveryCodes: string[];
  /** The code the app shows at the service's current time (the kit's clock). */
  code(): string;
}

type Request = <Body>(path: string, options?: RequestOptions) => Promise<KitResponse<Body>>;

export async function enableTotp(
  request: Request,
  clock: TestClock,
  access: string,
  password: string,
): Promise<TotpDevice> {
  const setup = await request<{ secret: string }>('mfa/totp/setup/', {
    body: { password },
    token: access,
  });
  const { secret } = expectStatus(setup, 200, 'createUser({ totp: true }): setup');
  const totp = new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30 });
  const code = () => totp.generate({ timestamp: clock.now().getTime() });
  const confirmed = await request<{ recovery_codes: string[] }>('mfa/totp/confirm/', {
    body: { code: code() },
    token: access,
  });
  const { recovery_codes } = expectStatus(confirmed, 200, 'createUser({ totp: true }): confirm');
  // A code is accepted once per 30-second step: the next one a test asks for comes from a later
  // step than the confirming code's.
  clock.advance('30s');
  return { secret, recoveryCodes: recovery_codes, code };
}
