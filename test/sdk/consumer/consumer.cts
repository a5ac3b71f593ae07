/** The same package through `require` (the CommonJS build and its declaration file). */
import { AuthClientError, createAuthClient, memoryTokenStore } from '@auth-service/client';

declare const process: { env: Record<string, string | undefined>; exitCode?: number };
declare const require: { resolve(id: string): string };

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`consumer (CommonJS): ${message}`);
}

async function main(): Promise<void> {
  const url = process.env.AUTH_URL;
  check(url, 'AUTH_URL is not set');
  check(require.resolve('@auth-service/client').endsWith('.cjs'), 'resolved the CommonJS build');
  const store = memoryTokenStore();
  const client = createAuthClient({ url, storage: store });
  const email = `cjs.${Date.now().toString(36)}@example.com`;
  const password = 'Correct-Horse-Battery-9';

  await client.auth.register.mutate({
    email,
    full_name: 'Charles Babbage',
    password,
    password_confirm: password,
  });
  await client.auth.logout.mutate();
  await client.auth.login.mutate({ email, password });
  const user = await client.profile.get.query();
  check(user.full_name === 'Charles Babbage', 'profile reads the user');
  check(user.created_at instanceof Date, 'dates arrive as Date (superjson)');
  await client.auth.logout.mutate();
  check((await store.get()) === null, 'logout clears the store');

  try {
    await client.auth.login.mutate({ email, password: 'not-the-password' });
    check(false, 'a wrong password must fail');
  } catch (error) {
    check(error instanceof AuthClientError, 'errors are AuthClientError');
    check(error.code === 'AUTHENTICATION_FAILED', `code ${error.code}`);
  }
  console.log('consumer (CommonJS): register, login, profile, logout ok');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
