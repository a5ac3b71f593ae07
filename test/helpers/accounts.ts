/**
 * Accounts with given flags, written straight to the database (registering over REST would hit
 * the per-IP registration limit when a suite needs many users), and signed in over REST.
 */
import type { TestApp } from './app.js';
import { login, STRONG_PASSWORD, uniqueEmail } from './factories.js';

export interface AccountOptions {
  email?: string;
  fullName?: string;
  isActive?: boolean;
  isStaff?: boolean;
  isSuperuser?: boolean;
  isVerified?: boolean;
  createdAt?: Date;
}

export interface SignedInAccount {
  id: string;
  email: string;
  password: string;
  access: string;
  refresh: string;
}

const hashes = new WeakMap<TestApp, Promise<string>>();

export async function createAccount(testApp: TestApp, options: AccountOptions = {}) {
  if (!hashes.has(testApp)) hashes.set(testApp, testApp.deps.hasher.hash(STRONG_PASSWORD));
  const { User } = testApp.deps.database.models;
  const user = await User.create({
    email: (options.email ?? uniqueEmail()).toLowerCase(),
    fullName: options.fullName ?? 'Grace Hopper',
    passwordHash: await hashes.get(testApp)!,
    isActive: options.isActive ?? true,
    isStaff: options.isStaff ?? false,
    isSuperuser: options.isSuperuser ?? false,
    isVerified: options.isVerified ?? false,
    ...(options.createdAt ? { createdAt: options.createdAt } : {}),
  });
  return { id: user.id, email: user.email, password: STRONG_PASSWORD };
}

/** An account (staff, superuser, ... as asked) with a fresh login. */
export async function signedIn(
  testApp: TestApp,
  options: AccountOptions = {},
  headers: Record<string, string> = {},
): Promise<SignedInAccount> {
  const account = await createAccount(testApp, options);
  const tokens = await login(testApp, account.email, account.password, headers);
  return { ...account, ...tokens };
}

export const staff = (testApp: TestApp) => signedIn(testApp, { isStaff: true });
export const superuser = (testApp: TestApp) =>
  signedIn(testApp, { isStaff: true, isSuperuser: true });
