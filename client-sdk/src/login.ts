import type { LoginResult, MfaChallenge } from './types.js';

/**
 * Whether a login answered with a challenge for a second factor (TOTP on) rather than a
 * session; narrows the union, so the other branch can read `user` and `tokens`.
 */
export const needsSecondFactor = (result: LoginResult): result is MfaChallenge =>
  'mfa_required' in result && result.mfa_required === true;
