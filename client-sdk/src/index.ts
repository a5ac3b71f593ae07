/**
 * @auth-service/client: a typed client for auth-service. Procedures and their types come from
 * the server's router; the client adds the token handling a frontend needs.
 */
export {
  createAuthClient,
  type AuthClient,
  type AuthClientOptions,
  type FetchLike,
} from './client.js';
export { AuthClientError, isAuthClientError } from './errors.js';
export {
  localStorageTokenStore,
  memoryTokenStore,
  type StorageLike,
  type TokenStore,
} from './token-store.js';
export type { SessionListener } from './session.js';
export type {
  AppRouter,
  AuthErrorCode,
  AuthResult,
  FieldErrors,
  LoginInput,
  RegisterInput,
  RouterInputs,
  RouterOutputs,
  ServerErrorCode,
  TokenPair,
  User,
} from './types.js';
