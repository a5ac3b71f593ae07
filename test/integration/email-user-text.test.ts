/**
 * Anyone can register with someone else's address, so nothing a client wrote may reach a mail
 * where it could pass for the service's own words: not the name (set on register, over tRPC or
 * by the profile update), not the User-Agent of a password change. Every message goes the
 * production way (outbox, worker, a SendGrid stand-in) and is read as the recipient gets it.
 */
import { expect } from 'chai';
import { bearer, createTestApp, type TestApp } from '../helpers/app.js';
import { superuser } from '../helpers/accounts.js';
import { startSendGridStandIn, type SendGridStandIn } from '../helpers/email-peers.js';
import { STRONG_PASSWORD, uniqueEmail } from '../helpers/factories.js';

/** Valid names (no control characters) that read like a notice from the service. */
const NAME_AT_REGISTER = 'Acme Security: your account is locked, call 555 0100';
const NAME_OVER_TRPC = 'Acme Support says open evil.test now';
const USER_AGENT =
  'Acme: this change was expected, nothing to do. Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) Firefox/133.0';
const WRITTEN_BY_THE_CLIENT = [
  NAME_AT_REGISTER,
  NAME_OVER_TRPC,
  '555 0100',
  'evil.test',
  'expected',
];
const NEW_PASSWORD = 'Another-Quiet-Meadow-42';

describe('no text a user wrote reaches a mail', () => {
  let sendgrid: SendGridStandIn;
  let testApp: TestApp;
  beforeEach(async () => {
    sendgrid = await startSendGridStandIn();
    testApp = await createTestApp({
      env: { APP_NAME: 'Acme', SENDGRID_API_KEY: 'SG.test-key', SENDGRID_API_URL: sendgrid.url },
      overrides: { mailer: undefined },
    });
  });
  afterEach(async () => {
    await testApp.deps.close();
    await sendgrid.close();
  });

  /** Every message sent so far: its kind (from the outbox id) and all a recipient sees. */
  async function delivered() {
    await testApp.deps.emailWorker!.drain();
    return sendgrid.requests.map(({ body }) => ({
      subject: String(body.subject),
      parts: (body.content as Array<{ value: string }>).map((part) => part.value),
    }));
  }

  it('greets generically and names the device from a fixed list, in every message', async () => {
    const email = uniqueEmail('victim');
    const registered = await testApp.http().post('/api/auth/register/').send({
      email,
      full_name: NAME_AT_REGISTER,
      password: STRONG_PASSWORD,
      password_confirm: STRONG_PASSWORD,
    });
    expect(registered.status, JSON.stringify(registered.body)).to.equal(201);
    const { access } = registered.body.tokens;
    const renamed = await testApp
      .http()
      .post('/trpc/profile.update')
      .set(bearer(access))
      .send({ json: { full_name: NAME_OVER_TRPC } });
    expect(renamed.status, JSON.stringify(renamed.body)).to.equal(200);

    await testApp.http().post('/api/auth/resend-verification/').set(bearer(access)).send();
    const link = /verify-email\?token=([\w-]+)/.exec((await delivered()).at(-1)!.parts[0]!);
    const verified = await testApp.http().post('/api/auth/verify-email/').send({ token: link![1] });
    expect(verified.status, JSON.stringify(verified.body)).to.equal(200);
    await testApp.http().post('/api/auth/forgot-password/').send({ email });
    const changed = await testApp
      .http()
      .post('/api/auth/change-password/')
      .set({ ...bearer(access), 'User-Agent': USER_AGENT })
      .send({
        current_password: STRONG_PASSWORD,
        new_password: NEW_PASSWORD,
        new_password_confirm: NEW_PASSWORD,
      });
    expect(changed.status, JSON.stringify(changed.body)).to.equal(200);
    const admin = await superuser(testApp);
    const deactivated = await testApp
      .http()
      .patch(`/api/auth/admin/users/${registered.body.user.id}/`)
      .set(bearer(admin.access))
      .send({ is_active: false });
    expect(deactivated.status, JSON.stringify(deactivated.body)).to.equal(200);

    const messages = await delivered();
    expect(messages.map((message) => message.subject)).to.have.members([
      'Welcome to Acme: please confirm your email',
      'Confirm your email address for Acme',
      'Your email address is confirmed',
      'Reset your Acme password',
      'Your Acme password was changed',
      'Your Acme account was deactivated',
    ]);
    for (const { subject, parts } of messages) {
      for (const text of [subject, ...parts]) {
        for (const written of WRITTEN_BY_THE_CLIENT) {
          expect(text, `${subject} quotes the client`).to.not.include(written);
        }
      }
    }
    const notice = messages.find((message) => message.subject.includes('password was changed'))!;
    for (const part of notice.parts) expect(part).to.include('Firefox on macOS');
  });
});
