/**
 * The one function that decides the client IP. The socket's peer address is the truth;
 * X-Forwarded-For is believed only for the hops TRUST_PROXY names (a count, or the addresses
 * and CIDRs of trusted proxies), so a client cannot choose the IP that is recorded or limited.
 */
import type { IncomingMessage } from 'node:http';
import proxyAddr from 'proxy-addr';

export type TrustProxySetting = number | string[];

export type ClientIpResolver = (request: IncomingMessage) => string;

export function createClientIpResolver(setting: TrustProxySetting): ClientIpResolver {
  // No proxy trusted (the default): the peer is the client, and X-Forwarded-For is not read.
  if (setting === 0) return (request) => normalizeIp(request.socket.remoteAddress);
  const trust: (address: string, hop: number) => boolean =
    typeof setting === 'number' ? (_address, hop) => hop < setting : proxyAddr.compile(setting);
  return (request) => normalizeIp(proxyAddr(request, trust));
}

/** `::ffff:127.0.0.1` and `127.0.0.1` are the same client. */
export function normalizeIp(address: string | undefined): string {
  if (!address) return '0.0.0.0';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
