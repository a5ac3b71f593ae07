import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import {
  EMAIL_KINDS,
  REQUIRED_LINKS,
  SAMPLE_PAYLOADS,
  templateData,
} from '../../server/lib/mailer/messages.js';
import { EmailTemplateError, EmailTemplates } from '../../server/lib/mailer/templates.js';

const BRAND = {
  appName: 'Acme',
  supportEmail: 'help@acme.test',
  frontendUrl: 'https://app.acme.test',
};

describe('email templates', () => {
  const templates = EmailTemplates.load('templates/email', BRAND);

  it('renders every message with a subject, an HTML and a text part carrying its links', () => {
    for (const { kind, rendered } of templates.samples()) {
      expect(rendered.subject, kind)
        .to.be.a('string')
        .and.not.match(/^\s*$|\n/);
      const data = templateData(kind, SAMPLE_PAYLOADS[kind], BRAND);
      for (const field of REQUIRED_LINKS[kind]) {
        const link = String(data[field]);
        expect(rendered.text, `${kind} text`).to.include(link);
        expect(rendered.html, `${kind} html`).to.include(link.replace(/=/g, '&#x3D;'));
      }
      expect(rendered.html, kind).to.include('Acme').and.include('mailto:help@acme.test');
      expect(rendered.text, kind).to.include('Acme').and.include('help@acme.test');
      expect(rendered.text, `${kind} text has no markup`).to.not.match(/<[a-z]+[\s>]/i);
    }
  });

  it('links the welcome and verification buttons to FRONTEND_URL/verify-email', () => {
    const rendered = templates.render('email_verification', {
      verifyUrl: 'https://app.acme.test/verify-email?token=abc',
      verifyExpiresInHours: 72,
    });
    expect(rendered.html).to.include('href="https://app.acme.test/verify-email?token&#x3D;abc"');
    expect(rendered.text).to.include('https://app.acme.test/verify-email?token=abc');
    expect(rendered.text).to.include('expires in 3 days');
  });

  it('shows no name, even one an outbox row written before the rule still carries', () => {
    const name = 'Acme Security: call 555 0100 <img src=x onerror=alert(1)>';
    for (const kind of EMAIL_KINDS) {
      const { html, text, subject } = templates.render(kind, {
        ...SAMPLE_PAYLOADS[kind],
        fullName: name,
      });
      for (const part of [html, text, subject]) {
        expect(part, kind).to.not.include('555 0100').and.not.include('onerror');
      }
    }
  });

  it('tells the owner when, from where and on what device the password was changed', () => {
    const userAgent =
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
    const { html, text } = templates.render('password_changed', {
      at: '2026-11-25T10:05:00.000Z',
      ip: '203.0.113.7',
      userAgent,
    });
    for (const part of [html, text]) {
      expect(part).to.include('25 November 2026 at 10:05 UTC');
      expect(part).to.include('203.0.113.7').and.include('Chrome on Windows');
      expect(part).to.not.include('AppleWebKit');
      expect(part).to.include('If this was not you');
      expect(part).to.include('https://app.acme.test/forgot-password');
    }
    const unknown = templates.render('password_changed', {
      at: '2026-11-25T10:05:00.000Z',
      ip: null,
      userAgent: null,
    });
    expect(unknown.text).to.include('an unknown address').and.include('an unknown browser or app');
  });

  it('shows a stored address only when it is an IP address', () => {
    const { html, text } = templates.render('password_changed', {
      at: '2026-11-25T10:05:00.000Z',
      ip: 'call 555 0100',
      userAgent: null,
    });
    for (const part of [html, text]) {
      expect(part).to.include('an unknown address').and.not.include('555 0100');
    }
  });

  it('builds HTML the common clients render: tables, inline styles, dark mode, a preheader', () => {
    for (const kind of EMAIL_KINDS) {
      const { html } = templates.render(kind, SAMPLE_PAYLOADS[kind]);
      expect(html, kind).to.match(/^<!DOCTYPE html>/);
      expect(html, kind).to.include('<meta name="viewport"');
      expect(html, kind).to.include('<meta name="color-scheme" content="light dark">');
      expect(html, kind).to.include('@media (prefers-color-scheme: dark)');
      expect(html, kind).to.include('role="presentation"');
      expect(html, kind).to.include('style="display:none;');
      expect(html, kind).to.not.match(/display:\s*(flex|grid)/);
    }
  });

  it('refuses a payload that does not fit its message, and an unknown message', () => {
    expect(() => templates.render('password_reset', { fullName: 'Ada' })).to.throw(
      EmailTemplateError,
      /payload does not fit "password_reset"/,
    );
    expect(() => templates.render('newsletter', {})).to.throw(
      EmailTemplateError,
      /unknown email kind/,
    );
  });

  describe('loaded at start-up', () => {
    let directory: string;
    beforeEach(() => {
      directory = mkdtempSync(join(tmpdir(), 'email-templates-'));
      cpSync('templates/email', directory, { recursive: true });
    });
    afterEach(() => rmSync(directory, { recursive: true, force: true }));

    const edit = (file: string, change: (source: string) => string) =>
      writeFileSync(join(directory, file), change(readFileSync(join(directory, file), 'utf8')));

    it('stops on a missing template, naming the file', () => {
      rmSync(join(directory, 'email-verified.text.hbs'));
      expect(() => EmailTemplates.load(directory, BRAND)).to.throw(
        EmailTemplateError,
        /email template missing: .*email-verified\.text\.hbs/,
      );
    });

    it('stops on a missing layout', () => {
      rmSync(join(directory, 'layouts', 'main.html.hbs'));
      expect(() => EmailTemplates.load(directory, BRAND)).to.throw(/main\.html\.hbs/);
    });

    it('stops on a template that does not parse, naming the file', () => {
      edit('password-reset.html.hbs', (source) => source.replace('{{/layout}}', '{{/layuot}}'));
      expect(() => EmailTemplates.load(directory, BRAND)).to.throw(
        EmailTemplateError,
        /password-reset\.html\.hbs is broken/,
      );
    });

    it('stops on a template that uses a value no message provides, such as the name', () => {
      edit('welcome.text.hbs', (source) =>
        source.replace('Welcome to {{appName}}', 'Welcome, {{fullName}}'),
      );
      expect(() => EmailTemplates.load(directory, BRAND)).to.throw(
        EmailTemplateError,
        /does not render/,
      );
    });

    it('stops on a template that lost its link', () => {
      edit('password-reset.html.hbs', (source) => source.replace(/\{\{> button[^}]*\}\}/, ''));
      expect(() => EmailTemplates.load(directory, BRAND)).to.throw(
        EmailTemplateError,
        /password-reset.*the HTML part lacks \{\{resetUrl\}\}/,
      );
    });

    it('stops when the directory does not exist', () => {
      expect(() => EmailTemplates.load(join(directory, 'nope'), BRAND)).to.throw(
        EmailTemplateError,
        /TEMPLATES_DIR/,
      );
    });
  });
});
