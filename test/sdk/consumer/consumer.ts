/**
 * A frontend's view of the packed SDK, compiled in a project that has only the tarball and its
 * peers. The correct calls must compile; each `@ts-expect-error` must be needed, or tsc fails.
 * Then `main()` runs against a live server (the ES module build).
 */
import {
  AuthClientError,
  createAuthClient,
  localStorageTokenStore,
  memoryTokenStore,
  needsSecondFactor,
  type AuthClient,
  type AuthErrorCode,
  type RouterInputs,
  type RouterOutputs,
  type TokenPair,
  type User,
} from '@auth-service/client';

declare const process: { env: Record<string, string | undefined>; exitCode?: number };

// Types for forms and state come from the server's router.
const signUpForm: RouterInputs['auth']['register'] = {
  email: 'ada@example.com',
  full_name: 'Ada Lovelace',
  password: 'Correct-Horse-Battery-9',
  password_confirm: 'Correct-Horse-Battery-9',
};
const userName = (user: User): string => user.full_name;
// A login may answer a TOTP challenge instead of tokens: the union must be told apart first.
const loginResult = (result: RouterOutputs['auth']['login']): TokenPair | null =>
  needsSecondFactor(result) ? null : result.tokens;
// @ts-expect-error -- `tokens` is not there when the login answered an MFA challenge
const unsafeTokens = (result: RouterOutputs['auth']['login']): TokenPair => result.tokens;
void unsafeTokens;

/** Never called: what must and must not compile. */
export async function compileTimeChecks(client: AuthClient): Promise<void> {
  const user = await client.profile.get.query();
  const createdAt: Date = user.created_at;
  const lastLogin: Date | null = user.last_login;
  const staff: boolean = user.is_staff;

  // @ts-expect-error -- bad input type: email must be a string
  await client.auth.login.mutate({ email: 42, password: 'secret' });
  // @ts-expect-error -- missing input field: password_confirm
  await client.auth.register.mutate({ email: 'a@b.c', full_name: 'A', password: 'p' });
  // @ts-expect-error -- unknown procedure
  await client.auth.signInWithMagic.mutate({ email: 'a@b.c' });
  // @ts-expect-error -- unknown router
  await client.billing.invoices.query();
  // @ts-expect-error -- a query is not a mutation
  await client.profile.get.mutate();
  // @ts-expect-error -- unknown output field: no password hash ever leaves the server
  const hash: string = user.password_hash;

  const error = new Error() as AuthClientError;
  const code: AuthErrorCode = error.code;
  // @ts-expect-error -- not one of the server's codes
  if (code === 'WRONG_PASSWORD') return;
  const fieldErrors: string[] | undefined = error.errors.email;
  const retryAfter: number | null = error.retryAfter;

  void [createdAt, lastLogin, staff, hash, fieldErrors, retryAfter];
}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`consumer (ESM): ${message}`);
}

async function main(): Promise<void> {
  const url = process.env.AUTH_URL;
  check(url, 'AUTH_URL is not set');
  const changes: Array<TokenPair | null> = [];
  const store = memoryTokenStore();
  const client = createAuthClient({ url, storage: store, onSessionChange: (t) => changes.push(t) });
  const email = `esm.${Date.now().toString(36)}@example.com`;

  const registered = await client.auth.register.mutate({ ...signUpForm, email });
  check(registered.user.email === email, 'register returns the user');
  await client.auth.logout.mutate();
  check((await store.get()) === null, 'logout clears the store');

  const loggedIn = await client.auth.login.mutate({ email, password: signUpForm.password });
  check((await store.get())?.access === loginResult(loggedIn)?.access, 'login stores the pair');
  const user = await client.profile.get.query();
  check(userName(user) === 'Ada Lovelace', 'profile reads the user');
  check(user.created_at instanceof Date, 'dates arrive as Date (superjson)');

  await client.auth.logout.mutate();
  check(changes.length === 4 && changes[3] === null, 'onSessionChange heard every change');
  try {
    await client.profile.get.query();
    check(false, 'profile without a session must fail');
  } catch (error) {
    check(error instanceof AuthClientError, 'errors are AuthClientError');
    check(error.code === 'NOT_AUTHENTICATED' && error.status === 401, `code ${error.code}`);
  }
  check(typeof localStorageTokenStore === 'function', 'localStorageTokenStore is exported');
  console.log('consumer (ESM): register, login, profile, logout ok');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
