/**
 * Which bucket a request lands in is decided by the one client-IP rule (TRUST_PROXY): by default
 * X-Forwarded-For changes nothing; behind N proxies only the hop they appended counts; an IPv6
 * client is counted per /64.
 */
import { expect } from 'chai';
import type { TestApp } from '../helpers/app.js';
import { uniqueEmail } from '../helpers/factories.js';
import { closeLimitedApps, createLimitedApp } from '../helpers/rate-limit.js';

const loginFrom = (testApp: TestApp, forwardedFor?: string) => {
  const request = testApp.http().post('/api/auth/login/');
  if (forwardedFor !== undefined) request.set('X-Forwarded-For', forwardedFor);
  return request.send({ email: uniqueEmail(), password: 'wrong-1234' }).then((r) => r.status);
};

describe('the client IP that rate limits count', function () {
  this.timeout(20_000);
  afterEach(closeLimitedApps);

  it('ignores X-Forwarded-For by default: a spoofed header does not buy a fresh bucket', async () => {
    const testApp = await createLimitedApp({ RATE_LIMIT_LOGIN_IP: '3/60' });
    expect(await loginFrom(testApp, '1.2.3.4')).to.equal(401);
    expect(await loginFrom(testApp, '5.6.7.8')).to.equal(401);
    expect(await loginFrom(testApp, '9.9.9.9, 10.0.0.1')).to.equal(401);
    expect(await loginFrom(testApp, '203.0.113.77')).to.equal(429);
    expect(await loginFrom(testApp)).to.equal(429);
  });

  it('with TRUST_PROXY=1 counts the address the proxy appended, not what the client wrote before it', async () => {
    const testApp = await createLimitedApp({ RATE_LIMIT_LOGIN_IP: '2/60', TRUST_PROXY: '1' });
    expect(await loginFrom(testApp, '1.2.3.4, 5.6.7.8')).to.equal(401);
    expect(await loginFrom(testApp, '1.2.3.4, 5.6.7.8')).to.equal(401);
    // The client controls everything left of the proxy's hop: changing it changes nothing.
    expect(await loginFrom(testApp, '9.9.9.9, 5.6.7.8')).to.equal(429);
    expect(await loginFrom(testApp, '5.6.7.8')).to.equal(429);
    // Another client behind the proxy, and the proxy itself, have their own buckets.
    expect(await loginFrom(testApp, '1.2.3.4, 5.6.7.9')).to.equal(401);
    expect(await loginFrom(testApp)).to.equal(401);
  });

  it('with TRUST_PROXY as a list of proxy addresses peels only those', async () => {
    const testApp = await createLimitedApp({
      RATE_LIMIT_LOGIN_IP: '1/60',
      TRUST_PROXY: 'loopback, 10.0.0.0/8',
    });
    // 127.0.0.1 (the socket) and 10.1.2.3 are trusted proxies; 198.51.100.8 is the client.
    expect(await loginFrom(testApp, '198.51.100.8, 10.1.2.3')).to.equal(401);
    expect(await loginFrom(testApp, '6.6.6.6, 198.51.100.8')).to.equal(429);
    expect(await loginFrom(testApp, '198.51.100.9')).to.equal(401);
  });

  it('counts IPv6 clients per /64, so rotating the interface bits does not help', async () => {
    const testApp = await createLimitedApp({ RATE_LIMIT_LOGIN_IP: '3/60', TRUST_PROXY: '1' });
    expect(await loginFrom(testApp, '2001:db8:1:2::1')).to.equal(401);
    expect(await loginFrom(testApp, '2001:db8:1:2::abcd')).to.equal(401);
    expect(await loginFrom(testApp, '2001:db8:1:2:ffff:eeee:dddd:cccc')).to.equal(401);
    expect(await loginFrom(testApp, '2001:0db8:0001:0002::2')).to.equal(429);
    // The neighbouring /64 is another subscriber.
    expect(await loginFrom(testApp, '2001:db8:1:3::1')).to.equal(401);
  });
});
