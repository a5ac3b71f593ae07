import { expect } from 'chai';
import { describeDevice } from '../../server/lib/mailer/device.js';

describe('the device named in a security notice', () => {
  const cases: Array<[userAgent: string | null, named: string]> = [
    [
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0; rv:133.0) Gecko/20100101 Firefox/133.0',
      'Firefox on macOS',
    ],
    [
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
      'Edge on Windows',
    ],
    [
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1',
      'Safari on iOS',
    ],
    [
      'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
      'Chrome on Android',
    ],
    [
      'Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
      'Chrome on ChromeOS',
    ],
    ['Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0', 'Firefox on Linux'],
    ['okhttp/4.12.0 (Android 14)', 'a browser or app on Android'],
    ['curl/8.5.0', 'an unknown browser or app'],
    ['Your account is locked: call 555 0100', 'an unknown browser or app'],
    [null, 'an unknown browser or app'],
  ];
  for (const [userAgent, named] of cases) {
    it(`names ${JSON.stringify(userAgent)} as "${named}"`, () => {
      expect(describeDevice(userAgent)).to.equal(named);
    });
  }

  it('never quotes the header, whatever it holds', () => {
    const crafted = 'Firefox/1 Windows <b>Acme: this change was expected</b>';
    expect(describeDevice(crafted)).to.equal('Firefox on Windows');
  });
});
