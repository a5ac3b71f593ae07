import { expect } from 'chai';
import type { TestApp } from './app.js';

let sequence = 0;

export const STRONG_PASSWORD = 'Correct-Horse-Battery-9';

export function uniqueEmail(prefix = 'user') {
  sequence += 1;
  return `${prefix}.${Date.now().toString(36)}.${sequence}@example.com`;
}

export interface RegisteredUser {
  id: string;
  email: string;
  password: string;
  access: string;
  refresh: string;
}

/** Registers through the REST path, as a real client would. */
export async function registerUser(
  testApp: TestApp,
  overrides: { email?: string; full_name?: string; password?: string } = {},
): Promise<RegisteredUser> {
  const email = overrides.email ?? uniqueEmail();
  const password = overrides.password ?? STRONG_PASSWORD;
  const response = await testApp
    .http()
    .post('/api/auth/register/')
    .send({
      email,
      full_name: overrides.full_name ?? 'Ada Lovelace',
      password,
      password_confirm: password,
    });
  expect(response.status, JSON.stringify(response.body)).to.equal(201);
  return {
    id: response.body.user.id,
    email: response.body.user.email,
    password,
    access: response.body.tokens.access,
    refresh: response.body.tokens.refresh,
  };
}

export async function login(
  testApp: TestApp,
  email: string,
  password: string,
  headers: Record<string, string> = {},
) {
  const response = await testApp
    .http()
    .post('/api/auth/login/')
    .set(headers)
    .send({ email, password });
  expect(response.status, JSON.stringify(response.body)).to.equal(200);
  return response.body.tokens as { access: string; refresh: string };
}
