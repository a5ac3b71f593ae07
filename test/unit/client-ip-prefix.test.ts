import { expect } from 'chai';
import { ipv6Groups, rateLimitSubjectForIp } from '../../server/lib/rate-limit/ip-prefix.js';

describe('the rate-limit subject of a client IP', () => {
  it('is an IPv4 address itself', () => {
    expect(rateLimitSubjectForIp('203.0.113.7')).to.equal('203.0.113.7');
    expect(rateLimitSubjectForIp('127.0.0.1')).to.equal('127.0.0.1');
  });

  it('is the /64 of an IPv6 address, so one subscriber cannot hop between 2^64 addresses', () => {
    expect(rateLimitSubjectForIp('2001:db8:1:2:3:4:5:6')).to.equal('2001:db8:1:2::/64');
    expect(rateLimitSubjectForIp('2001:db8:1:2:ffff:ffff:ffff:ffff')).to.equal('2001:db8:1:2::/64');
    expect(rateLimitSubjectForIp('2001:db8:1:3::1')).to.equal('2001:db8:1:3::/64');
  });

  it('writes one /64 one way, whatever spelling the address came in', () => {
    const spellings = [
      '2001:0db8:0000:0001::abcd',
      '2001:DB8:0:1::1',
      '2001:db8::1:0:0:0:1',
      '2001:db8:0:1:0:0:0:0',
      '2001:db8:0:1::%eth0',
    ];
    for (const spelling of spellings) {
      expect(rateLimitSubjectForIp(spelling), spelling).to.equal('2001:db8:0:1::/64');
    }
  });

  it('handles the short forms at either end', () => {
    expect(rateLimitSubjectForIp('::1')).to.equal('0:0:0:0::/64');
    expect(rateLimitSubjectForIp('::')).to.equal('0:0:0:0::/64');
    expect(rateLimitSubjectForIp('2001:db8::')).to.equal('2001:db8:0:0::/64');
    expect(rateLimitSubjectForIp('fe80::1%en0')).to.equal('fe80:0:0:0::/64');
  });

  it('treats an IPv4-mapped IPv6 address as the IPv4 client it carries', () => {
    expect(rateLimitSubjectForIp('::ffff:198.51.100.4')).to.equal('198.51.100.4');
    expect(rateLimitSubjectForIp('::ffff:c633:6404')).to.equal('198.51.100.4');
  });

  it('keeps an IPv4 address embedded in another IPv6 prefix within that /64', () => {
    expect(rateLimitSubjectForIp('64:ff9b::192.0.2.33')).to.equal('64:ff9b:0:0::/64');
    expect(ipv6Groups('64:ff9b::192.0.2.33')).to.deep.equal([
      0x64, 0xff9b, 0, 0, 0, 0, 0xc000, 0x221,
    ]);
  });

  it('passes anything that is not an IP through unchanged rather than merging it with others', () => {
    expect(rateLimitSubjectForIp('not-an-ip')).to.equal('not-an-ip');
    expect(ipv6Groups('1.2.3.4')).to.equal(null);
    expect(ipv6Groups('2001:db8::1::2')).to.equal(null);
  });
});
