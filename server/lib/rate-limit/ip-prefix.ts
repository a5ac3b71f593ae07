/**
 * What a per-IP limit counts. An IPv4 client is its address. An IPv6 client is its /64: one
 * subscriber usually holds a whole /64 (often far more), so counting single IPv6 addresses would
 * hand every client 2^64 fresh buckets.
 */
import { isIP } from 'node:net';

/** Eight 16-bit groups of an IPv6 address, or null when it is not one. */
export function ipv6Groups(address: string): number[] | null {
  const withoutZone = address.split('%')[0]!;
  if (isIP(withoutZone) !== 6) return null;
  let text = withoutZone.toLowerCase();
  // A trailing dotted quad (::ffff:1.2.3.4, 64:ff9b::1.2.3.4) is the last two groups.
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::') as [string, string | undefined];
  const parse = (part: string) => (part ? part.split(':').map((group) => parseInt(group, 16)) : []);
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const zeros = tail === undefined ? 0 : 8 - left.length - right.length;
  const groups = [...left, ...new Array<number>(zeros).fill(0), ...right];
  return groups.length === 8 ? groups : null;
}

/**
 * The rate-limit subject for a client IP: IPv4 as is, IPv6 as its /64 prefix
 * (`2001:db8:0:1::/64`), an IPv4-mapped IPv6 address as the IPv4 address it carries.
 */
export function rateLimitSubjectForIp(ip: string): string {
  const address = ip.trim();
  if (isIP(address) === 4) return address;
  const groups = ipv6Groups(address);
  if (!groups) return address;
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    const [high, low] = [groups[6]!, groups[7]!];
    return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
  }
  return `${groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(':')}::/64`;
}
