import { expect } from 'chai';
import { SecretBox, SecretBoxError } from '../../server/lib/secret-box.js';

describe('secret box (AES-256-GCM under a key derived from SECRET_KEY)', () => {
  const box = new SecretBox('a-secret-key-of-the-test', 'totp-secret');

  it('opens what it sealed, with the same context', () => {
    const sealed = box.seal('JBSWY3DPEHPK3PXP', 'totp:user-1');
    expect(sealed).to.match(/^v1\./).and.not.include('JBSWY3DPEHPK3PXP');
    expect(box.open(sealed, 'totp:user-1')).to.equal('JBSWY3DPEHPK3PXP');
    expect(box.seal('JBSWY3DPEHPK3PXP', 'totp:user-1')).to.not.equal(sealed);
  });

  it('refuses another context, another key, another purpose and a changed byte', () => {
    const sealed = box.seal('JBSWY3DPEHPK3PXP', 'totp:user-1');
    const others = [
      () => box.open(sealed, 'totp:user-2'),
      () => new SecretBox('another-key', 'totp-secret').open(sealed, 'totp:user-1'),
      () => new SecretBox('a-secret-key-of-the-test', 'signing-key').open(sealed, 'totp:user-1'),
      () => box.open(`${sealed.slice(0, -2)}${sealed.endsWith('A') ? 'B' : 'A'}A`, 'totp:user-1'),
      () => box.open('not sealed', 'totp:user-1'),
    ];
    for (const open of others) expect(open).to.throw(SecretBoxError);
  });
});
