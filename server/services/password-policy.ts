/**
 * The contract's password policy, rule for rule after Django's validators: minimum and maximum
 * length, not entirely numeric, not a commonly used password, not too similar to the email or
 * the full name. Each failed rule is one message.
 */
import { dictionary } from '@zxcvbn-ts/language-common';

// About 49,000 passwords seen most often in breaches, maintained with zxcvbn-ts.
const COMMON_PASSWORDS = new Set(
  (dictionary['passwords-common'] as string[]).map((password) => password.toLowerCase()),
);

export const MAX_PASSWORD_LENGTH = 128;
const MAX_SIMILARITY = 0.7;

export interface PasswordContext {
  email?: string;
  fullName?: string;
}

export function passwordProblems(
  password: string,
  minLength: number,
  context: PasswordContext = {},
): string[] {
  const problems: string[] = [];
  // Characters as Django counts them (code points): an emoji is one, not two UTF-16 units.
  const length = [...password].length;
  if (length < minLength) {
    problems.push(`This password is too short. It must contain at least ${minLength} characters.`);
  }
  if (length > MAX_PASSWORD_LENGTH) {
    problems.push(
      `This password is too long. It must contain at most ${MAX_PASSWORD_LENGTH} characters.`,
    );
  }
  if (/^\d+$/.test(password)) problems.push('This password is entirely numeric.');
  if (COMMON_PASSWORDS.has(password.trim().toLowerCase()))
    problems.push('This password is too common.');
  const similarTo = similarAttribute(password, context);
  if (similarTo) problems.push(`The password is too similar to the ${similarTo}.`);
  return problems;
}

function similarAttribute(password: string, context: PasswordContext): string | null {
  const attributes: Array<[string, string | undefined]> = [
    ['email', context.email],
    ['full name', context.fullName],
  ];
  const lowered = password.toLowerCase();
  for (const [label, value] of attributes) {
    if (!value) continue;
    const whole = value.toLowerCase();
    const parts = [...whole.split(/\W+/), whole].filter(Boolean);
    for (const part of parts) {
      if (exceedsLengthRatio(lowered, part)) continue;
      if (quickRatio(lowered, part) >= MAX_SIMILARITY) return label;
    }
  }
  return null;
}

/** Django skips parts so short against the password that they cannot be "too similar". */
function exceedsLengthRatio(password: string, value: string): boolean {
  return (
    password.length >= 10 * value.length && value.length < (MAX_SIMILARITY / 2) * password.length
  );
}

/** Python's difflib.SequenceMatcher.quick_ratio: shared characters over total length. */
export function quickRatio(a: string, b: string): number {
  if (!a.length && !b.length) return 1;
  const available = new Map<string, number>();
  for (const char of b) available.set(char, (available.get(char) ?? 0) + 1);
  let matches = 0;
  for (const char of a) {
    const count = available.get(char) ?? 0;
    if (count > 0) {
      matches += 1;
      available.set(char, count - 1);
    }
  }
  return (2 * matches) / (a.length + b.length);
}
