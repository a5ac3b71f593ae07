/**
 * `npx tsx bench/token-verify.ts [--seconds 2]`: the cost of signing and of verifying one access
 * token with each JWT_ALGORITHM, in process, with the verified-token cache off (the signature
 * checked every time) and on (what the authenticated read pays for a token seen before).
 * Not a test: nothing here asserts.
 */
import { parseArgs } from 'node:util';
import { systemClock } from '../server/lib/clock.js';
import { JwtCodec, type TokenClaims } from '../server/lib/jwt.js';
import { hmacRingKey } from '../server/lib/signing-keys/hmac-key.js';
import { generateKeyMaterial, importPublicKey } from '../server/lib/signing-keys/key-material.js';
import { KeyRing } from '../server/lib/signing-keys/key-ring.js';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '2' } } });
const seconds = Number(values.seconds);

async function ringFor(algorithm: 'HS256' | 'EdDSA' | 'ES256' | 'RS256'): Promise<KeyRing> {
  const hmac = await hmacRingKey('bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz');
  const ring = new KeyRing(systemClock, hmac);
  if (algorithm === 'HS256') return ring;
  const material = await generateKeyMaterial(algorithm);
  const base = { kid: material.kid, algorithm } as const;
  ring.install({
    signing: { ...base, key: material.privateKey },
    verifying: [hmac.verifying, { ...base, key: importPublicKey(material.publicJwk) }],
    published: [material.publicJwk],
  });
  return ring;
}

/** Microseconds per call of `work`, run back to back for `seconds`. */
async function rate(work: () => Promise<unknown>): Promise<number> {
  const end = performance.now() + seconds * 1000;
  let calls = 0;
  const start = performance.now();
  while (performance.now() < end) {
    await work();
    calls += 1;
  }
  return ((performance.now() - start) * 1000) / calls;
}

const now = Math.floor(Date.now() / 1000);
const claims: TokenClaims = {
  token_type: 'access',
  jti: 'bench',
  user_id: '7b0c6f0e-2f6c-4b9e-9a55-6f3f0a1f6c1e',
  sid: '2f6c4b9e-9a55-4f3f-8a1f-6c1e7b0c6f0e',
  iat: now,
  exp: now + 900,
};
console.log('algorithm  sign µs  verify µs (cache off)  verify µs (cache on)');
for (const algorithm of ['HS256', 'EdDSA', 'ES256', 'RS256'] as const) {
  const keys = await ringFor(algorithm);
  const codec = (rememberVerified: boolean) =>
    new JwtCodec({
      keys,
      issuer: 'auth-service',
      audience: 'auth-service',
      clock: systemClock,
      rememberVerified,
    });
  const cold = codec(false);
  const warm = codec(true);
  const token = await cold.sign(claims);
  const sign = await rate(() => cold.sign(claims));
  const verifyCold = await rate(() => cold.verify(token, 'access'));
  const verifyWarm = await rate(() => warm.verify(token, 'access'));
  console.log(
    `${algorithm.padEnd(9)}  ${sign.toFixed(1).padStart(7)}  ${verifyCold.toFixed(1).padStart(21)}  ${verifyWarm.toFixed(1).padStart(20)}`,
  );
}
