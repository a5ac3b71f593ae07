/**
 * "Firefox on macOS": the device of a request, for a security notice, in words chosen from
 * fixed lists. The User-Agent header is whatever the client sent, so quoting it would let anyone
 * who changes a password (someone who registered with another person's address, say) write a
 * line of their choosing into a mail from us; only the names below ever reach a mail.
 */

/** First match wins: the more specific browsers (built on Chrome or Safari) come first. */
const BROWSERS: ReadonlyArray<readonly [name: string, pattern: RegExp]> = [
  ['Edge', /\bEdg(e|A|iOS)?\//],
  ['Opera', /\b(OPR|Opera)\//],
  ['Samsung Internet', /\bSamsungBrowser\//],
  ['Firefox', /\b(Firefox|FxiOS)\//],
  ['Chrome', /\b(Chrome|CriOS|Chromium)\//],
  ['Safari', /\bVersion\/[\d.]+.*\bSafari\//],
];

/** iOS before macOS (an iPhone says "like Mac OS X"), Android and ChromeOS before Linux. */
const SYSTEMS: ReadonlyArray<readonly [name: string, pattern: RegExp]> = [
  ['iOS', /\b(iPhone|iPad|iPod)\b/],
  ['Android', /\bAndroid\b/],
  ['Windows', /\bWindows\b/],
  ['macOS', /\b(Macintosh|Mac OS X)\b/],
  ['ChromeOS', /\bCrOS\b/],
  ['Linux', /\bLinux\b/],
];

const UNKNOWN = 'an unknown browser or app';

const firstMatch = (
  table: ReadonlyArray<readonly [string, RegExp]>,
  userAgent: string,
): string | undefined => table.find(([, pattern]) => pattern.test(userAgent))?.[0];

export function describeDevice(userAgent: string | null | undefined): string {
  if (!userAgent) return UNKNOWN;
  const browser = firstMatch(BROWSERS, userAgent);
  const system = firstMatch(SYSTEMS, userAgent);
  if (browser && system) return `${browser} on ${system}`;
  if (browser) return browser;
  if (system) return `a browser or app on ${system}`;
  return UNKNOWN;
}
