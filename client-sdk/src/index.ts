/**
 * @auth-service/client: a typed client for auth-service. Procedures and their types come from
 * the server's router; the client adds the token handling a frontend needs.
 */
export {
  createAuthClient,
  createAuthSession,
  type AuthClient,
  type AuthClientOptions,
  type AuthSession,
  type FetchLike,
} from './client.js';
export { AuthClientError, isAuthClientError, UnexpectedResponseError } from './errors.js';
export { describeError } from './error-messages.js';
export { ACTIVITY_ACTIONS } from './activity-actions.js';
export { needsSecondFactor } from './login.js';
export {
  localStorageTokenStore,
  memoryTokenStore,
  type StorageLike,
  type TokenStore,
} from './token-store.js';
export type { SessionListener } from './session.js';
export type {
  ActivityAction,
  AdminActivityEntry,
  AdminUser,
  AdminUserDetail,
  AdminUserQuery,
  AppRouter,
  AuthErrorCode,
  AuthResult,
  FieldErrors,
  LoginInput,
  LoginResult,
  MfaChallenge,
  MfaLoginInput,
  MfaStatus,
  RegisterInput,
  RouterInputs,
  RouterOutputs,
  ServerErrorCode,
  Session,
  TokenPair,
  User,
  UserOrdering,
} from './types.js';
