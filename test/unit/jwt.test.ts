import { generateKeyPairSync } from 'node:crypto';
import { expect } from 'chai';
import { SignJWT, type JWTPayload } from 'jose';
import { InvalidTokenError, JwtCodec, type TokenClaims } from '../../server/lib/jwt.js';
import { hmacRingKey } from '../../server/lib/signing-keys/hmac-key.js';
import { KeyRing } from '../../server/lib/signing-keys/key-ring.js';
import { ManualClock } from '../helpers/clock.js';

const SECRET = 'unit-test-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
const signingKey = Buffer.from(`jwt:${SECRET}`, 'utf8');
const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A token signed outside the codec, as a forger (or an older release) would. */
const forge = (payload: JWTPayload, key: Parameters<SignJWT['sign']>[0], alg = 'HS256') =>
  new SignJWT(payload).setProtectedHeader({ alg, typ: 'JWT' }).sign(key);

describe('JwtCodec', () => {
  const clock = new ManualClock(new Date('2026-11-25T10:00:00Z'));
  const codecFor = async (secretKey: string, issuer: string, audience: string) =>
    new JwtCodec({
      keys: new KeyRing(clock, await hmacRingKey(secretKey)),
      issuer,
      audience,
      clock,
    });
  let codec: JwtCodec;
  before(async () => {
    codec = await codecFor(SECRET, 'auth-service', 'web');
  });
  const now = () => Math.floor(clock.now().getTime() / 1000);
  const claims = (overrides: Partial<TokenClaims> = {}): TokenClaims => ({
    token_type: 'access',
    jti: 'jti-1',
    user_id: '7b0c6f0e-2f6c-4b9e-9a55-6f3f0a1f6c1e',
    sid: '2f6c4b9e-9a55-4f3f-8a1f-6c1e7b0c6f0e',
    iat: now(),
    exp: now() + 900,
    ...overrides,
  });
  const refused = async (
    token: string | Promise<string>,
    type: 'access' | 'refresh' = 'access',
  ) => {
    const outcome = await codec.verify(await token, type).then(
      () => null,
      (error: unknown) => error,
    );
    expect(outcome).to.be.instanceOf(InvalidTokenError);
  };

  it('round-trips the claims it signs, adding iss and aud', async () => {
    const signed = claims();
    const verified = await codec.verify(await codec.sign(signed), 'access');
    expect(verified).to.deep.include(signed);
    expect(verified).to.include({ iss: 'auth-service', aud: 'web' });
  });

  it('signs the same claims into the same token (a child refresh token can be re-issued)', async () => {
    const fixed = claims({ token_type: 'refresh' });
    expect(await codec.sign(fixed)).to.equal(await codec.sign({ ...fixed }));
  });

  it('refuses a token of the other type, both ways', async () => {
    await refused(codec.sign(claims({ token_type: 'refresh' })), 'access');
    await refused(codec.sign(claims({ token_type: 'access' })), 'refresh');
    expect(
      (await codec.verify(await codec.sign(claims({ token_type: 'refresh' })), 'refresh'))
        .token_type,
    ).to.equal('refresh');
  });

  it('refuses a token whose type or identifiers are missing or malformed', async () => {
    for (const broken of [
      { token_type: undefined },
      { token_type: 'admin' },
      { jti: undefined },
      { user_id: 42 },
      { sid: undefined },
    ]) {
      const payload = { ...claims(), ...broken, iss: 'auth-service', aud: 'web' };
      await refused(forge(payload as JWTPayload, signingKey));
    }
  });

  it('refuses another issuer or audience', async () => {
    const other = await codecFor(SECRET, 'someone-else', 'web');
    await refused(other.sign(claims()));
    const otherAudience = await codecFor(SECRET, 'auth-service', 'mobile');
    await refused(otherAudience.sign(claims()));
  });

  it('refuses another secret, and the raw SECRET_KEY used directly as the key', async () => {
    const other = await codecFor(`${SECRET}-rotated`, 'auth-service', 'web');
    await refused(other.sign(claims()));
    const payload = { ...claims(), iss: 'auth-service', aud: 'web' };
    await refused(forge(payload, Buffer.from(SECRET)));
  });

  describe('pins the algorithm to HS256', () => {
    const payload = () => ({ ...claims(), iss: 'auth-service', aud: 'web' });

    it('accepts HS256 with the derived key and no kid (tokens of earlier releases)', async () => {
      expect(await codec.verify(await forge(payload(), signingKey), 'access')).to.be.an('object');
    });

    it('refuses "none"', async () => {
      await refused(`${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(payload())}.`);
    });

    it('refuses HS384 and HS512 with the right key', async () => {
      await refused(forge(payload(), signingKey, 'HS384'));
      await refused(forge(payload(), signingKey, 'HS512'));
    });

    it('refuses RS256, whatever key signed it', async () => {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      await refused(forge(payload(), privateKey, 'RS256'));
    });
  });

  it('refuses a token once the clock passes exp', async () => {
    const token = await codec.sign(claims({ exp: now() + 60 }));
    expect((await codec.verify(token, 'access')).jti).to.equal('jti-1');
    clock.advanceSeconds(61);
    await refused(token);
  });

  describe('remembers access tokens it has verified', () => {
    it('gives the same claims again, and still refuses the token as a refresh token', async () => {
      const token = await codec.sign(claims({ jti: 'remembered' }));
      const first = await codec.verify(token, 'access');
      expect(await codec.verify(token, 'access')).to.deep.equal(first);
      await refused(token, 'refresh');
    });

    it('refuses a remembered token once the clock reaches its exp', async () => {
      const token = await codec.sign(claims({ exp: now() + 30 }));
      await codec.verify(token, 'access');
      clock.advanceSeconds(29);
      expect((await codec.verify(token, 'access')).exp).to.equal(now() + 1);
      clock.advanceSeconds(1);
      await refused(token);
    });

    it('never remembers a refused token, nor one altered by a byte', async () => {
      const token = await codec.sign(claims());
      await codec.verify(token, 'access');
      const [header, payload, signature] = token.split('.');
      // The first character of the signature carries six whole bits of it.
      const tampered = `${header}.${payload}.${signature!.startsWith('A') ? 'B' : 'A'}${signature!.slice(1)}`;
      await refused(tampered);
      await refused(tampered);
      await refused(
        `${header}.${base64url({ ...claims(), user_id: 'someone-else' })}.${signature}`,
      );
    });
  });

  it('refuses garbage', async () => {
    for (const token of ['', 'abc', 'a.b.c', `${base64url({ alg: 'HS256' })}.e30.`])
      await refused(token);
  });
});
