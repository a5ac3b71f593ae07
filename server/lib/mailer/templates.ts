/**
 * Handlebars templates for every message, loaded, compiled and test-rendered once at start-up:
 * a missing or broken template stops the start with a message naming the file, and so does a
 * template that asks for a value no message provides (the user's name, say: mails carry no text
 * a user wrote, see messages.ts). HTML parts are compiled with HTML escaping (values go through
 * `{{ }}`, never `{{{ }}}`); text parts and subjects are plain text and are not escaped. Each
 * part has its own Handlebars environment, so a partial never runs with the other part's
 * escaping.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import Handlebars from 'handlebars';
import {
  EMAIL_KINDS,
  PAYLOAD_SCHEMAS,
  REQUIRED_LINKS,
  SAMPLE_PAYLOADS,
  templateBaseName,
  templateData,
  type Brand,
  type EmailKind,
  type EmailPayloads,
} from './messages.js';

export class EmailTemplateError extends Error {
  override name = 'EmailTemplateError';
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

type Part = 'subject' | 'html' | 'text';
type Compiled = Record<Part, HandlebarsTemplateDelegate>;

const PARTS: Part[] = ['subject', 'html', 'text'];

export class EmailTemplates {
  private constructor(
    private readonly compiled: Map<EmailKind, Compiled>,
    private readonly brand: Brand,
  ) {}

  /** Loads every template under `directory` and renders each with sample data; throws EmailTemplateError. */
  static load(directory: string, brand: Brand): EmailTemplates {
    const root = resolve(directory);
    if (!existsSync(root)) {
      throw new EmailTemplateError(
        `email templates not found: ${directory} does not exist (set TEMPLATES_DIR)`,
      );
    }
    const describe = (file: string) => relative(process.cwd(), file) || file;
    const read = (file: string) => {
      if (!existsSync(file))
        throw new EmailTemplateError(`email template missing: ${describe(file)}`);
      return readFileSync(file, 'utf8');
    };
    const compile = (environment: typeof Handlebars, file: string, plainText: boolean) => {
      try {
        // Parsing now (not on first use) is what turns a syntax error into a start-up error.
        const source = read(file);
        Handlebars.parse(source);
        return environment.compile(source, { strict: true, noEscape: plainText });
      } catch (error) {
        if (error instanceof EmailTemplateError) throw error;
        throw new EmailTemplateError(
          `email template ${describe(file)} is broken: ${(error as Error).message}`,
        );
      }
    };

    const environments = { html: Handlebars.create(), text: Handlebars.create() };
    for (const part of ['html', 'text'] as const) {
      const layout = join(root, 'layouts', `main.${part}.hbs`);
      environments[part].registerPartial(
        'layout',
        compile(environments[part], layout, part === 'text'),
      );
      const partials = join(root, 'partials');
      const suffix = `.${part}.hbs`;
      const names = existsSync(partials)
        ? readdirSync(partials).filter((name) => name.endsWith(suffix))
        : [];
      for (const name of names) {
        const file = join(partials, name);
        environments[part].registerPartial(
          name.slice(0, -suffix.length),
          compile(environments[part], file, part === 'text'),
        );
      }
    }

    const compiled = new Map<EmailKind, Compiled>();
    for (const kind of EMAIL_KINDS) {
      const base = join(root, templateBaseName(kind));
      compiled.set(kind, {
        subject: compile(environments.text, `${base}.subject.hbs`, true),
        html: compile(environments.html, `${base}.html.hbs`, false),
        text: compile(environments.text, `${base}.text.hbs`, true),
      });
    }
    const templates = new EmailTemplates(compiled, brand);
    for (const kind of EMAIL_KINDS) templates.check(kind, `${describe(base(root, kind))}.*.hbs`);
    return templates;
  }

  /** Renders one message from its stored payload; throws when the payload does not fit the kind. */
  render(kind: string, payload: unknown): RenderedEmail {
    if (!(EMAIL_KINDS as readonly string[]).includes(kind))
      throw new EmailTemplateError(`unknown email kind "${kind}"`);
    const emailKind = kind as EmailKind;
    const parsed = PAYLOAD_SCHEMAS[emailKind].safeParse(payload);
    if (!parsed.success)
      throw new EmailTemplateError(
        `payload does not fit "${kind}": ${parsed.error.issues[0]?.message}`,
      );
    return this.renderData(
      emailKind,
      templateData(emailKind, parsed.data as EmailPayloads[EmailKind], this.brand),
    );
  }

  /** Every message rendered with sample data (for the start-up check and the preview). */
  samples(): Array<{ kind: EmailKind; rendered: RenderedEmail }> {
    return EMAIL_KINDS.map((kind) => ({
      kind,
      rendered: this.render(kind, SAMPLE_PAYLOADS[kind]),
    }));
  }

  private renderData(kind: EmailKind, data: Record<string, unknown>): RenderedEmail {
    const parts = this.compiled.get(kind)!;
    const [subject, html, text] = PARTS.map((part) => parts[part](data));
    return {
      // A subject is one line: a stray newline in a template must not become a header break.
      subject: subject!.replace(/\s+/g, ' ').trim(),
      html: html!,
      text: `${text!.replace(/\n{3,}/g, '\n\n').trim()}\n`,
    };
  }

  private check(kind: EmailKind, where: string) {
    const data = templateData(kind, SAMPLE_PAYLOADS[kind], this.brand);
    let rendered: RenderedEmail;
    try {
      rendered = this.renderData(kind, data);
    } catch (error) {
      throw new EmailTemplateError(
        `email template ${where} does not render: ${(error as Error).message}`,
      );
    }
    if (!rendered.subject)
      throw new EmailTemplateError(`email template ${where} has an empty subject`);
    for (const field of REQUIRED_LINKS[kind]) {
      const link = String(data[field]);
      if (!rendered.text.includes(link))
        throw new EmailTemplateError(`email template ${where}: the text part lacks {{${field}}}`);
      if (!rendered.html.includes(Handlebars.escapeExpression(link)))
        throw new EmailTemplateError(`email template ${where}: the HTML part lacks {{${field}}}`);
    }
  }
}

const base = (root: string, kind: EmailKind) => join(root, templateBaseName(kind));
