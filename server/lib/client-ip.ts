/**
 * The one function that decides the client IP, and the one parser of forwarded addresses. The
 * socket's peer address is the truth; X-Forwarded-For is believed only for the hops
 * TRUST_PROXY names (a count, or the addresses and CIDRs of trusted proxies), so a client
 * cannot choose the IP that is recorded or limited.
 *
 * Whatever is returned is a valid IP address, because it is stored in `inet` columns and keys
 * rate limits: a forwarded entry with a port (`203.0.113.9:4711`, `[2001:db8::1]:443`) counts
 * without it, and an entry that is no address at all (`not-an-ip`, `unknown`, a hostname) is
 * ignored in favour of the peer address, which the kernel vouches for.
 */
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import proxyAddr from 'proxy-addr';

export type TrustProxySetting = number | string[];

export type ClientIpResolver = (request: IncomingMessage) => string;

export function createClientIpResolver(setting: TrustProxySetting): ClientIpResolver {
  // No proxy trusted (the default): the peer is the client, and X-Forwarded-For is not read.
  if (setting === 0) return (request) => normalizeIp(request.socket.remoteAddress);
  const trust: (address: string, hop: number) => boolean =
    typeof setting === 'number' ? (_address, hop) => hop < setting : proxyAddr.compile(setting);
  return (request) => {
    const peer = normalizeIp(request.socket.remoteAddress);
    // Nearest first: the peer, then the entries of X-Forwarded-For from the right.
    const hops = [peer, ...forwardedAddresses(request.headers['x-forwarded-for']).reverse()];
    for (const [hop, address] of hops.entries()) {
      // An entry that is not an address cannot be a proxy we trust; it is not a client either.
      if (address === null) return peer;
      if (hop === hops.length - 1 || !trust(address, hop)) return address;
    }
    return peer;
  };
}

/**
 * The entries of X-Forwarded-For, left to right, each an address without its port or null.
 * Empty entries (`a, , b`, a trailing comma) are skipped, as proxy-addr skips them.
 */
function forwardedAddresses(header: string | string[] | undefined): Array<string | null> {
  if (header === undefined) return [];
  const text = Array.isArray(header) ? header.join(',') : header;
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map(parseForwardedAddress);
}

const IPV4_WITH_PORT = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/;
const BRACKETED_IPV6 = /^\[([^\]]+)\](?::\d{1,5})?$/;

/** `203.0.113.9`, `203.0.113.9:4711`, `2001:db8::1`, `[2001:db8::1]:443` → the address; else null. */
export function parseForwardedAddress(entry: string): string | null {
  const address = BRACKETED_IPV6.exec(entry)?.[1] ?? IPV4_WITH_PORT.exec(entry)?.[1] ?? entry;
  // A zone (`fe80::1%eth0`) names an interface of the sender, and PostgreSQL's inet refuses it.
  if (address.includes('%') || isIP(address) === 0) return null;
  return normalizeIp(address);
}

/** `::ffff:127.0.0.1` and `127.0.0.1` are the same client. */
export function normalizeIp(address: string | undefined): string {
  if (!address) return '0.0.0.0';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
