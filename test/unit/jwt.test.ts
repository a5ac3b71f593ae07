import { createSecretKey, generateKeyPairSync } from 'node:crypto';
import { expect } from 'chai';
import jwt from 'jsonwebtoken';
import { InvalidTokenError, JwtCodec, type TokenClaims } from '../../server/lib/jwt.js';
import { ManualClock } from '../helpers/clock.js';

const SECRET = 'unit-test-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
const signingKey = createSecretKey(Buffer.from(`jwt:${SECRET}`, 'utf8'));
const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('JwtCodec', () => {
  const clock = new ManualClock(new Date('2026-11-25T10:00:00Z'));
  const codec = new JwtCodec({ secretKey: SECRET, issuer: 'auth-service', audience: 'web', clock });
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
  const refused = (token: string, type: 'access' | 'refresh' = 'access') =>
    expect(() => codec.verify(token, type)).to.throw(InvalidTokenError);

  it('round-trips the claims it signs, adding iss and aud', () => {
    const signed = claims();
    const verified = codec.verify(codec.sign(signed), 'access');
    expect(verified).to.deep.include(signed);
    expect(verified).to.include({ iss: 'auth-service', aud: 'web' });
  });

  it('signs the same claims into the same token (a child refresh token can be re-issued)', () => {
    const fixed = claims({ token_type: 'refresh' });
    expect(codec.sign(fixed)).to.equal(codec.sign({ ...fixed }));
  });

  it('refuses a token of the other type, both ways', () => {
    refused(codec.sign(claims({ token_type: 'refresh' })), 'access');
    refused(codec.sign(claims({ token_type: 'access' })), 'refresh');
    expect(
      codec.verify(codec.sign(claims({ token_type: 'refresh' })), 'refresh').token_type,
    ).to.equal('refresh');
  });

  it('refuses a token whose type or identifiers are missing or malformed', () => {
    for (const broken of [
      { token_type: undefined },
      { token_type: 'admin' },
      { jti: undefined },
      { user_id: 42 },
      { sid: undefined },
    ]) {
      const payload = { ...claims(), ...broken, iss: 'auth-service', aud: 'web' };
      refused(jwt.sign(payload, signingKey, { algorithm: 'HS256' }));
    }
  });

  it('refuses another issuer or audience', () => {
    const other = new JwtCodec({
      secretKey: SECRET,
      issuer: 'someone-else',
      audience: 'web',
      clock,
    });
    refused(other.sign(claims()));
    const otherAudience = new JwtCodec({
      secretKey: SECRET,
      issuer: 'auth-service',
      audience: 'mobile',
      clock,
    });
    refused(otherAudience.sign(claims()));
  });

  it('refuses another secret, and the raw SECRET_KEY used directly as the key', () => {
    const other = new JwtCodec({
      secretKey: `${SECRET}-rotated`,
      issuer: 'auth-service',
      audience: 'web',
      clock,
    });
    refused(other.sign(claims()));
    const payload = { ...claims(), iss: 'auth-service', aud: 'web' };
    refused(jwt.sign(payload, SECRET, { algorithm: 'HS256' }));
  });

  describe('pins the algorithm to HS256', () => {
    const payload = () => ({ ...claims(), iss: 'auth-service', aud: 'web' });

    it('accepts HS256 with the derived key (the control)', () => {
      expect(
        codec.verify(jwt.sign(payload(), signingKey, { algorithm: 'HS256' }), 'access'),
      ).to.be.an('object');
    });

    it('refuses "none"', () => {
      refused(`${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(payload())}.`);
    });

    it('refuses HS384 and HS512 with the right key', () => {
      refused(jwt.sign(payload(), signingKey, { algorithm: 'HS384' }));
      refused(jwt.sign(payload(), signingKey, { algorithm: 'HS512' }));
    });

    it('refuses RS256, whatever key signed it', () => {
      // A small key keeps the test fast; the size is irrelevant to the refusal.
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
      refused(jwt.sign(payload(), privateKey, { algorithm: 'RS256', allowInsecureKeySizes: true }));
    });
  });

  it('refuses a token once the clock passes exp', () => {
    const token = codec.sign(claims({ exp: now() + 60 }));
    expect(codec.verify(token, 'access').jti).to.equal('jti-1');
    clock.advanceSeconds(61);
    refused(token);
  });

  describe('remembers access tokens it has verified', () => {
    it('gives the same claims again, and still refuses the token as a refresh token', () => {
      const token = codec.sign(claims({ jti: 'remembered' }));
      const first = codec.verify(token, 'access');
      expect(codec.verify(token, 'access')).to.deep.equal(first);
      refused(token, 'refresh');
    });

    it('refuses a remembered token once the clock reaches its exp', () => {
      const token = codec.sign(claims({ exp: now() + 30 }));
      codec.verify(token, 'access');
      clock.advanceSeconds(29);
      expect(codec.verify(token, 'access').exp).to.equal(now() + 1);
      clock.advanceSeconds(1);
      refused(token);
    });

    it('never remembers a refused token, nor one altered by a byte', () => {
      const token = codec.sign(claims());
      codec.verify(token, 'access');
      const [header, payload, signature] = token.split('.');
      // The first character of the signature carries six whole bits of it.
      const tampered = `${header}.${payload}.${signature!.startsWith('A') ? 'B' : 'A'}${signature!.slice(1)}`;
      refused(tampered);
      refused(tampered);
      refused(`${header}.${base64url({ ...claims(), user_id: 'someone-else' })}.${signature}`);
    });
  });

  it('refuses garbage', () => {
    for (const token of ['', 'abc', 'a.b.c', `${base64url({ alg: 'HS256' })}.e30.`]) refused(token);
  });
});
