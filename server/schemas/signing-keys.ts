import { z } from 'zod';
import { timestamp } from './common.js';

/** A public JWK, as `/.well-known/jwks.json` lists it: never a private member. */
const publicJwk = z.object({
  kid: z.string(),
  alg: z.enum(['EdDSA', 'ES256', 'RS256']),
  use: z.literal('sig'),
  kty: z.string(),
  crv: z.string().optional(),
  x: z.string().optional(),
  y: z.string().optional(),
  n: z.string().optional(),
  e: z.string().optional(),
});

export const signingKeyListOutput = z.object({
  results: z.array(
    z.object({
      kid: z.string(),
      algorithm: z.string(),
      status: z.enum(['next', 'signing', 'verifying', 'expired', 'retired']),
      created_at: timestamp,
      activated_at: timestamp,
      superseded_at: timestamp.nullable(),
      retired_at: timestamp.nullable(),
      public_jwk: publicJwk,
    }),
  ),
});
