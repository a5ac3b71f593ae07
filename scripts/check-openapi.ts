/**
 * `npm run check:openapi`: builds the OpenAPI document exactly as `GET /api/openapi.json`
 * serves it, writes it to a temporary file, validates it against the OpenAPI 3.1 schema
 * (swagger-parser) and lints it with Redocly under `redocly.yaml`. Exits 1 on any problem.
 * Needs no database, Redis or network.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import { SERVICE_VERSION } from '../server/http/routes.js';
import { buildOpenApiDocument } from '../server/http/openapi.js';
import { routerShape as appRouter } from '../server/routers/_app.js';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const document = buildOpenApiDocument(appRouter, SERVICE_VERSION);
const directory = mkdtempSync(join(tmpdir(), 'openapi-'));
const file = join(directory, 'openapi.json');
writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`);

let failed = false;
try {
  // validate() dereferences in place, so it gets its own copy.
  const api = await SwaggerParser.validate(structuredClone(document) as never);
  const operations = Object.values(api.paths ?? {}).flatMap((item) =>
    Object.keys(item ?? {}).filter((key) =>
      ['get', 'post', 'put', 'patch', 'delete'].includes(key),
    ),
  );
  console.log(
    `✓ swagger-parser: valid OpenAPI ${document.openapi}, ${operations.length} operations`,
  );
} catch (error) {
  console.error(`✗ swagger-parser: ${(error as Error).message}`);
  failed = true;
}

const require = createRequire(import.meta.url);
const redocly = join(dirname(require.resolve('@redocly/cli/package.json')), 'bin', 'cli.js');
const lint = spawnSync(
  process.execPath,
  [redocly, 'lint', file, '--config', join(root, 'redocly.yaml'), '--format', 'stylish'],
  { encoding: 'utf8', timeout: 120_000, env: { ...process.env, REDOCLY_TELEMETRY: 'off' } },
);
// Keep Redocly's findings; drop its banners about Node versions and updates.
const findings = `${lint.stdout}${lint.stderr}`
  .split('\n')
  .filter((line) => !/[║╔╚═]/.test(line) && line.trim() !== '');
if (lint.status === 0) {
  console.log(`✓ redocly lint (redocly.yaml): ${findings.at(-1) ?? 'no problems'}`);
} else {
  console.error(`✗ redocly lint (redocly.yaml):\n${findings.join('\n')}`);
  failed = true;
}

rmSync(directory, { recursive: true, force: true });
process.exit(failed ? 1 : 0);
