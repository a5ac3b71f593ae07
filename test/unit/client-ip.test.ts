import type { IncomingMessage } from 'node:http';
import { expect } from 'chai';
import {
  createClientIpResolver,
  normalizeIp,
  parseForwardedAddress,
} from '../../server/lib/client-ip.js';

/** What the resolver reads of a request: the peer address and the X-Forwarded-For header. */
function request(remoteAddress: string | undefined, forwardedFor?: string): IncomingMessage {
  return {
    headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
    socket: { remoteAddress },
    connection: { remoteAddress },
  } as unknown as IncomingMessage;
}

describe('the client IP', () => {
  describe('by default (TRUST_PROXY=0)', () => {
    const resolve = createClientIpResolver(0);

    it('is the socket address, whatever X-Forwarded-For claims', () => {
      expect(resolve(request('203.0.113.7', '198.51.100.1'))).to.equal('203.0.113.7');
      expect(resolve(request('203.0.113.7', '198.51.100.1, 10.0.0.2'))).to.equal('203.0.113.7');
      expect(resolve(request('203.0.113.7'))).to.equal('203.0.113.7');
    });

    it('writes an IPv4-mapped IPv6 address as plain IPv4', () => {
      expect(resolve(request('::ffff:127.0.0.1'))).to.equal('127.0.0.1');
    });

    it('keeps a real IPv6 address as it is', () => {
      expect(resolve(request('2001:db8::1'))).to.equal('2001:db8::1');
    });
  });

  describe('behind one proxy (TRUST_PROXY=1)', () => {
    const resolve = createClientIpResolver(1);

    it('is the last X-Forwarded-For entry, the one the proxy itself added', () => {
      expect(resolve(request('10.0.0.5', '198.51.100.1'))).to.equal('198.51.100.1');
      // The client wrote "1.2.3.4" itself; only the entry the proxy appended counts.
      expect(resolve(request('10.0.0.5', '1.2.3.4, 198.51.100.1'))).to.equal('198.51.100.1');
    });

    it('is the socket address when the proxy sent no X-Forwarded-For', () => {
      expect(resolve(request('10.0.0.5'))).to.equal('10.0.0.5');
    });

    it('normalises an IPv4-mapped forwarded address', () => {
      expect(resolve(request('::ffff:10.0.0.5', '::ffff:198.51.100.9'))).to.equal('198.51.100.9');
    });
  });

  describe('behind two proxies (TRUST_PROXY=2)', () => {
    it('skips exactly two hops', () => {
      const resolve = createClientIpResolver(2);
      expect(resolve(request('10.0.0.5', '1.2.3.4, 198.51.100.1, 10.0.0.9'))).to.equal(
        '198.51.100.1',
      );
    });
  });

  describe('with a list of trusted proxies (TRUST_PROXY=10.0.0.0/8,loopback)', () => {
    const resolve = createClientIpResolver(['10.0.0.0/8', 'loopback']);

    it('skips trusted proxies and stops at the first address it does not trust', () => {
      expect(resolve(request('10.0.0.5', '1.2.3.4, 198.51.100.1, 10.1.2.3'))).to.equal(
        '198.51.100.1',
      );
      expect(resolve(request('127.0.0.1', '198.51.100.1'))).to.equal('198.51.100.1');
    });

    it('trusts a proxy whose socket address is IPv4-mapped IPv6, as Node reports it', () => {
      expect(resolve(request('::ffff:10.0.0.5', '198.51.100.1'))).to.equal('198.51.100.1');
    });

    it('ignores X-Forwarded-For from a peer that is not a trusted proxy', () => {
      expect(resolve(request('203.0.113.7', '198.51.100.1'))).to.equal('203.0.113.7');
    });

    it('is the innermost address when every hop is trusted', () => {
      expect(resolve(request('10.0.0.5', '10.0.0.6'))).to.equal('10.0.0.6');
    });
  });

  describe('a forwarded entry that is not a bare address', () => {
    it('counts without its port, IPv4 and bracketed IPv6 alike', () => {
      expect(parseForwardedAddress('203.0.113.9:4711')).to.equal('203.0.113.9');
      expect(parseForwardedAddress('[2001:db8::1]:443')).to.equal('2001:db8::1');
      expect(parseForwardedAddress('[2001:db8::1]')).to.equal('2001:db8::1');
      expect(parseForwardedAddress('2001:db8::1')).to.equal('2001:db8::1');
      expect(parseForwardedAddress('[::ffff:203.0.113.9]:80')).to.equal('203.0.113.9');
    });

    it('is no address when it is anything else', () => {
      for (const entry of [
        'not-an-ip',
        'unknown',
        'example.com',
        'example.com:80',
        '203.0.113.300',
        '203.0.113',
        '1.2.3.4:port',
        '[1.2.3.4]:80x',
        '[not-an-ip]:80',
        'fe80::1%eth0',
        '[fe80::1%25eth0]:80',
        '2001:db8:::1',
        '_gazonk',
      ]) {
        expect(parseForwardedAddress(entry), entry).to.equal(null);
      }
    });

    it('behind one proxy: a port is dropped; no address means the peer address', () => {
      const resolve = createClientIpResolver(1);
      expect(resolve(request('10.0.0.5', '203.0.113.9:4711'))).to.equal('203.0.113.9');
      expect(resolve(request('10.0.0.5', '[2001:db8::1]:443'))).to.equal('2001:db8::1');
      expect(resolve(request('10.0.0.5', 'not-an-ip'))).to.equal('10.0.0.5');
      expect(resolve(request('10.0.0.5', '198.51.100.1, not-an-ip'))).to.equal('10.0.0.5');
      // What the client wrote before the proxy's entry is never read, malformed or not.
      expect(resolve(request('10.0.0.5', 'not-an-ip, 198.51.100.1'))).to.equal('198.51.100.1');
      expect(resolve(request('10.0.0.5', '198.51.100.1,'))).to.equal('198.51.100.1');
    });

    it('with a list of trusted proxies: a malformed hop is not trusted, and the peer counts', () => {
      const resolve = createClientIpResolver(['10.0.0.0/8']);
      expect(resolve(request('10.0.0.5', '198.51.100.1, 10.1.2.3:8080'))).to.equal('198.51.100.1');
      expect(resolve(request('10.0.0.5', '198.51.100.1, garbage'))).to.equal('10.0.0.5');
    });
  });

  describe('normalizeIp', () => {
    it('strips the IPv4-mapped prefix and nothing else', () => {
      expect(normalizeIp('::ffff:127.0.0.1')).to.equal('127.0.0.1');
      expect(normalizeIp('127.0.0.1')).to.equal('127.0.0.1');
      expect(normalizeIp('::ffff:abcd')).to.equal('::ffff:abcd');
      expect(normalizeIp('::1')).to.equal('::1');
    });

    it('gives a request whose socket is already gone a placeholder, not undefined', () => {
      expect(normalizeIp(undefined)).to.equal('0.0.0.0');
    });
  });
});
