import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { AppError } from '../errors.js';
import type { Context } from 'koa';
import type { Params } from './route-table.js';

const swaggerUiDirectory = (() => {
  const require = createRequire(import.meta.url);
  return join(require.resolve('swagger-ui-dist/package.json'), '..');
})();

const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'application/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>auth-service API reference</title>
  <link rel="stylesheet" href="/api/docs/swagger-ui.css">
  <link rel="icon" type="image/png" href="/api/docs/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/api/docs/swagger-ui-bundle.js"></script>
  <script src="/api/docs/init.js"></script>
</body>
</html>`;

const INIT = `window.ui = SwaggerUIBundle({ url: '/api/openapi.json', dom_id: '#swagger-ui', deepLinking: true });`;

type DocsHandler = (ctx: Context, params: Params) => Promise<void> | void;

/**
 * `/api/openapi.json` and an interactive reference at `/api/docs/`, served from the
 * swagger-ui-dist package (no CDN, so it works offline and under a strict CSP). By path, for
 * the route table.
 */
export function docsRoutes(document: () => object): Record<string, DocsHandler> {
  return {
    '/api/openapi.json': (ctx) => {
      ctx.body = document();
    },
    '/api/docs/': (ctx) => {
      ctx.type = 'text/html; charset=utf-8';
      ctx.body = PAGE;
    },
    '/api/docs/init.js': (ctx) => {
      ctx.type = 'application/javascript; charset=utf-8';
      ctx.body = INIT;
    },
    '/api/docs/:asset': async (ctx, params) => {
      const type = ASSETS[params.asset ?? ''];
      if (!type) throw new AppError('NOT_FOUND');
      ctx.type = type;
      ctx.set('Cache-Control', 'public, max-age=86400');
      ctx.body = await readFile(join(swaggerUiDirectory, params.asset!));
    },
  };
}
