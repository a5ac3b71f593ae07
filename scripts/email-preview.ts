/**
 * `npm run email:preview [folder]`: renders every email with sample data (a name that tries to
 * inject HTML included) and writes each as an HTML file, its plain-text part beside it, and an
 * index page, so a person can look at them in a browser. Uses APP_NAME, SUPPORT_EMAIL,
 * FRONTEND_URL and TEMPLATES_DIR from the environment (or .env), like the service.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, loadConfig } from '../server/config/index.js';
import { templateBaseName } from '../server/lib/mailer/messages.js';
import { EmailTemplateError, loadEmailTemplates } from '../server/email/delivery.js';

const escapeHtml = (text: string) =>
  text.replace(/[&<>"]/g, (character) => `&#${character.charCodeAt(0)};`);

function main() {
  const folder = resolve(process.argv[2] ?? 'email-preview');
  const config = loadConfig();
  const templates = loadEmailTemplates(config);
  mkdirSync(folder, { recursive: true });

  const written: string[] = [];
  const rows: string[] = [];
  for (const { kind, rendered } of templates.samples()) {
    const base = templateBaseName(kind);
    const html = resolve(folder, `${base}.html`);
    const text = resolve(folder, `${base}.txt`);
    writeFileSync(html, rendered.html);
    writeFileSync(text, rendered.text);
    written.push(html, text);
    rows.push(
      `<li><a href="${base}.html">${escapeHtml(kind)}</a> (<a href="${base}.txt">text</a>): ${escapeHtml(rendered.subject)}</li>`,
    );
  }
  const index = resolve(folder, 'index.html');
  writeFileSync(
    index,
    `<!DOCTYPE html><meta charset="utf-8"><title>${escapeHtml(config.appName)} emails</title>` +
      `<h1>${escapeHtml(config.appName)} emails</h1><ul>${rows.join('')}</ul>`,
  );
  process.stdout.write(`${[index, ...written].join('\n')}\n`);
}

try {
  main();
} catch (error) {
  if (error instanceof ConfigError || error instanceof EmailTemplateError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
