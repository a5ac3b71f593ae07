import { expect } from 'chai';
import {
  MAX_PASSWORD_LENGTH,
  passwordProblems,
  quickRatio,
} from '../../server/services/password-policy.js';

const TOO_SHORT = (min: number) =>
  `This password is too short. It must contain at least ${min} characters.`;
const TOO_LONG = `This password is too long. It must contain at most ${MAX_PASSWORD_LENGTH} characters.`;
const NUMERIC = 'This password is entirely numeric.';
const COMMON = 'This password is too common.';
const SIMILAR_EMAIL = 'The password is too similar to the email.';
const SIMILAR_NAME = 'The password is too similar to the full name.';

describe('password policy', () => {
  it('accepts a long, uncommon, unrelated password', () => {
    expect(
      passwordProblems('Correct-Horse-Battery-9', 8, {
        email: 'ada@example.com',
        fullName: 'Ada Lovelace',
      }),
    ).to.deep.equal([]);
  });

  it('enforces the configured minimum length, counting characters rather than UTF-16 units', () => {
    expect(passwordProblems('Zq7!wX2', 8)).to.deep.equal([TOO_SHORT(8)]);
    expect(passwordProblems('Zq7!wX2m', 8)).to.deep.equal([]);
    expect(passwordProblems('Zq7!wX2mK9', 12)).to.deep.equal([TOO_SHORT(12)]);
    // Seven emoji are seven characters (fourteen UTF-16 units): still too short.
    expect(passwordProblems('🔑🦊🌵🎲🧭🪁🎻', 8)).to.deep.equal([TOO_SHORT(8)]);
  });

  it('refuses more than 128 characters', () => {
    expect(passwordProblems(`${'Zq7!'.repeat(32)}`, 8)).to.deep.equal([]);
    expect(passwordProblems(`${'Zq7!'.repeat(32)}w`, 8)).to.deep.equal([TOO_LONG]);
  });

  it('refuses an entirely numeric password', () => {
    expect(passwordProblems('80429157361', 8)).to.deep.equal([NUMERIC]);
    expect(passwordProblems('80429157361a', 8)).to.deep.equal([]);
  });

  it('refuses a common password whatever its letter case and surrounding spaces', () => {
    for (const password of ['sunshine', 'SunShine', '  password1 ', 'qwertyuiop']) {
      expect(passwordProblems(password, 8), password).to.deep.equal([COMMON]);
    }
  });

  it('reports every rule a password breaks, one message each', () => {
    expect(passwordProblems('1234567', 8)).to.deep.equal([TOO_SHORT(8), NUMERIC, COMMON]);
  });

  describe('similarity to the user (Django UserAttributeSimilarityValidator)', () => {
    it('compares with each part of the email and with the whole', () => {
      const email = 'margaret.hamilton@example.com';
      expect(passwordProblems('Hamilton!2024', 8, { email })).to.deep.equal([SIMILAR_EMAIL]);
      expect(passwordProblems('ExampleCom99', 8, { email: 'ada@example.com' })).to.deep.equal([
        SIMILAR_EMAIL,
      ]);
      expect(passwordProblems('Zebra-Crossing-77', 8, { email })).to.deep.equal([]);
    });

    it('compares with each word of the full name', () => {
      expect(passwordProblems('Johnson#1918', 8, { fullName: 'Katherine Johnson' })).to.deep.equal([
        SIMILAR_NAME,
      ]);
      expect(passwordProblems('Lovelace-Ada', 8, { fullName: 'Ada Lovelace' })).to.deep.equal([
        SIMILAR_NAME,
      ]);
      expect(passwordProblems('Zebra-Crossing-77', 8, { fullName: 'Ada Lovelace' })).to.deep.equal(
        [],
      );
    });

    it('names the email first when the password resembles both', () => {
      expect(
        passwordProblems('Lovelace!1815', 8, {
          email: 'lovelace@example.com',
          fullName: 'Ada Lovelace',
        }),
      ).to.deep.equal([SIMILAR_EMAIL]);
    });

    it('skips attributes that are absent', () => {
      expect(passwordProblems('Lovelace!1815', 8, {})).to.deep.equal([]);
    });
  });

  describe('quickRatio (Python difflib.SequenceMatcher.quick_ratio)', () => {
    // Values computed with CPython's difflib.
    const cases: Array<[string, string, number]> = [
      ['abcd', 'bcde', 0.75],
      ['hamilton!2024', 'hamilton', 0.7619047619047619],
      ['password', 'drowssap', 1],
      ['aab', 'abb', 0.6666666666666666],
      ['johnson#1918', 'katherine johnson', 0.4827586206896552],
      ['abc', '', 0],
      ['', '', 1],
    ];
    for (const [a, b, expected] of cases) {
      it(`quickRatio(${JSON.stringify(a)}, ${JSON.stringify(b)}) = ${expected.toFixed(4)}`, () => {
        expect(quickRatio(a, b)).to.be.closeTo(expected, 1e-12);
      });
    }
  });
});
