/**
 * Realistic examples of what a client sends, declared once on the input schema: typed against
 * the schema's input here, shown by the OpenAPI document (http/openapi-examples.ts) so the docs
 * page's Try-it-out starts from a real body, and parsed by the schema in the OpenAPI test so an
 * example cannot drift from the rules it illustrates.
 */
import type { z } from './messages.js';

export function withExamples<T extends z.ZodType>(schema: T, ...examples: Array<z.input<T>>): T {
  return schema.meta({ examples });
}

/** Placeholders that read as what they are and never as working secrets. */
export const EXAMPLE = {
  email: 'ada@example.com',
  password: 'correct-horse-battery-staple',
  newPassword: 'analytical-engine-1843',
  mailedToken: 'Xc3uWZ2m5nYbQ8r1kLpT0aV7fJ4sE9dH',
  refreshToken: 'eyJhbGciOiJIUzI1NiJ9.example-refresh-token.not-a-real-signature',
  accessToken: 'eyJhbGciOiJIUzI1NiJ9.example-access-token.not-a-real-signature',
  userId: '3f9c2d8e-5b7a-4c1e-9f6d-2a8b4e7c1d05',
  sessionId: '7b1e4a9c-2d3f-4e8a-b6c5-9d0f1a2b3c4d',
} as const;
