import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../server/config/index.js';

const load = (environment: Record<string, string>) =>
  loadConfig({ NODE_ENV: 'test', SECRET_KEY: 'x'.repeat(8), ...environment });

describe('email configuration', () => {
  it('chooses SendGrid with an API key, SMTP with a host, else the console', () => {
    expect(load({}).email.backend).to.equal('console');
    expect(load({ EMAIL_HOST: 'smtp.gmail.com' }).email.backend).to.equal('smtp');
    expect(load({ SENDGRID_API_KEY: 'SG.key' }).email.backend).to.equal('sendgrid');
    expect(
      load({ SENDGRID_API_KEY: 'SG.key', EMAIL_HOST: 'smtp.gmail.com' }).email.backend,
    ).to.equal('sendgrid');
    expect(
      load({ SENDGRID_API_KEY: 'SG.key', EMAIL_HOST: 'h', EMAIL_BACKEND: 'smtp' }).email.backend,
    ).to.equal('smtp');
    expect(load({ EMAIL_HOST: 'h', EMAIL_BACKEND: 'console' }).email.backend).to.equal('console');
  });

  it('refuses a backend without what it needs', () => {
    expect(() => load({ EMAIL_BACKEND: 'sendgrid' })).to.throw(ConfigError, /SENDGRID_API_KEY/);
    expect(() => load({ EMAIL_BACKEND: 'smtp' })).to.throw(ConfigError, /EMAIL_HOST/);
    expect(() => load({ EMAIL_BACKEND: 'mailchimp' })).to.throw(ConfigError, /EMAIL_BACKEND/);
  });

  it('reads the original service settings for SMTP', () => {
    const { email } = load({
      EMAIL_HOST: 'smtp.mailgun.org',
      EMAIL_PORT: '465',
      EMAIL_HOST_USER: 'postmaster@mg.example.com',
      EMAIL_HOST_PASSWORD: 'secret',
      EMAIL_USE_TLS: 'False',
      DEFAULT_FROM_EMAIL: 'Acme <noreply@example.com>',
    });
    expect(email).to.include({
      host: 'smtp.mailgun.org',
      port: 465,
      user: 'postmaster@mg.example.com',
      password: 'secret',
      useTls: false,
      defaultFrom: 'Acme <noreply@example.com>',
    });
  });

  it('defaults verification to three days, optional, and three resends an hour', () => {
    expect(load({}).emailVerification).to.deep.equal({
      timeoutSeconds: 259_200,
      required: false,
      resendLimit: 3,
      resendWindowSeconds: 3600,
    });
    expect(load({ REQUIRE_EMAIL_VERIFICATION: 'true' }).emailVerification.required).to.equal(true);
  });

  it('never repeats an API key in a configuration error', () => {
    expect(() => load({ SENDGRID_API_KEY: 'SG.secret', SENDGRID_API_URL: 'ftp://x' })).to.throw(
      ConfigError,
      /SENDGRID_API_URL/,
    );
    try {
      load({ SENDGRID_API_KEY: '' });
    } catch (error) {
      expect((error as Error).message).to.not.include('SG.');
    }
  });
});
