/** @auth-service/testing: the real auth-service in your test process. See docs/testing-kit.md. */
export {
  AuthServiceKit,
  startAuthService,
  type CreatedUser,
  type CreateUserOptions,
  type KitUser,
  type StartOptions,
  type TokenPair,
} from './kit.js';
export { TestClock, durationMs, type Duration } from './clock.js';
export { Mailbox, type CapturedMail, type WaitForOptions } from './mailbox.js';
export type { TotpDevice } from './totp.js';
export type { KitResponse, RequestOptions } from './rest.js';
export { authServiceAssertions } from './chai.js';
