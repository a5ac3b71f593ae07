/**
 * The mails of two-factor authentication and of the account's lifecycle, delivered through the
 * real outbox to a local SMTP server and read there: subject, recipient, an HTML and a text
 * part, and the confirmation link intact in both.
 */
import { expect } from 'chai';
import type { ParsedMail } from 'mailparser';
import { bearer, createTestApp, type TestApp } from '../helpers/app.js';
import { ManualClock } from '../helpers/clock.js';
import { linkIn, startSmtpStandIn, type SmtpStandIn } from '../helpers/email-peers.js';
import { registerUser, STRONG_PASSWORD, uniqueEmail } from '../helpers/factories.js';
import { enableTotp, STEP_START, totpCode } from '../helpers/mfa.js';

const recipient = (mail: ParsedMail) =>
  mail.to && !Array.isArray(mail.to) ? mail.to.value[0]?.address : undefined;

describe('mails of two-factor authentication and the account lifecycle, at an SMTP server', () => {
  let smtp: SmtpStandIn;
  let testApp: TestApp;
  let clock: ManualClock;

  beforeEach(async () => {
    smtp = await startSmtpStandIn();
    clock = new ManualClock(STEP_START);
    testApp = await createTestApp({
      env: {
        APP_NAME: 'Acme',
        EMAIL_HOST: '127.0.0.1',
        EMAIL_PORT: String(smtp.port),
        EMAIL_USE_TLS: 'false',
      },
      overrides: { mailer: undefined, clock },
    });
  });

  afterEach(async () => {
    await testApp.deps.close();
    await smtp.close();
  });

  it('sends each event to the right address, in HTML and text, with working links', async () => {
    const user = await registerUser(testApp);
    const post = (path: string, body: Record<string, unknown>, access = user.access) =>
      testApp.http().post(`/api/auth/${path}`).set(bearer(access)).send(body);
    const { secret } = await enableTotp(testApp, user.access, clock);
    const newEmail = uniqueEmail('moved');
    expect(
      (await post('email/change/', { new_email: newEmail, password: STRONG_PASSWORD })).status,
    ).to.equal(200);
    await testApp.deps.emailWorker!.drain();

    const link = smtp.messages.find((mail) => recipient(mail) === newEmail)!;
    expect(link.subject).to.equal('Confirm your new Acme email address');
    const url = /http:\/\/frontend\.test\/confirm-email-change\?token=[\w-]+/.exec(link.text!)![0];
    expect(linkIn(link.html as string, 'http://frontend.test/confirm-email-change')).to.equal(url);
    const token = new URL(url).searchParams.get('token');
    const confirmed = await testApp.http().post('/api/auth/email/change/confirm/').send({ token });
    expect(confirmed.status).to.equal(200);

    const fresh = await testApp
      .http()
      .post('/api/auth/login/')
      .send({ email: newEmail, password: STRONG_PASSWORD });
    const done = await testApp
      .http()
      .post('/api/auth/login/mfa/')
      .send({ mfa_token: fresh.body.mfa_token, code: totpCode(secret, clock.now()) });
    expect(done.status).to.equal(200);
    clock.advanceSeconds(30);
    const deleted = await post(
      'account/delete/',
      { password: STRONG_PASSWORD, code: totpCode(secret, clock.now()) },
      done.body.tokens.access,
    );
    expect(deleted.status).to.equal(200);
    await testApp.deps.emailWorker!.drain();

    const subjects = smtp.messages.map((mail) => `${recipient(mail)}: ${mail.subject}`);
    expect(subjects).to.include.members([
      `${user.email}: Two-factor authentication was turned on for your Acme account`,
      `${user.email}: A change of your Acme email address was requested`,
      `${user.email}: The email address of your Acme account was changed`,
      `${newEmail}: Your Acme account was deleted`,
    ]);
    for (const mail of smtp.messages) {
      expect(mail.html, mail.subject).to.be.a('string');
      expect(mail.text, mail.subject).to.be.a('string').and.not.include('{{');
    }
  });
});
