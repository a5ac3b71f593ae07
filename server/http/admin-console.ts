/**
 * The admin console (admin-console/, a React single-page app) at /admin/, from its build
 * directory (ADMIN_CONSOLE_DIR, `npm run build` writes it):
 * - /admin/assets/<name>: the hashed files Vite emits; a changed file gets a new name, so they
 *   are cached for a year and never revalidated;
 * - every other path under /admin/ is a route of the app: index.html, revalidated every time
 *   (`no-cache`), so a new build reaches staff on their next load;
 * - a strict Content-Security-Policy on all of it: scripts, styles and requests to this origin
 *   only, nothing inline (Vite emits module scripts and CSS files), no framing;
 * - without a build, a page that says how to make one (503), never a blank page;
 * - with AUTH_COOKIES on, index.html's `<meta name="token-transport" content="memory">` says
 *   `cookie`, so the console keeps its refresh token in the HttpOnly cookie (no extra request,
 *   nothing inline for the CSP to refuse).
 * The console talks to the service through the tRPC endpoint like any client. By path, for the route table (GET and HEAD; other methods get its 405).
 */
import { readFile } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import type { Context } from 'koa';
import { AppError } from '../errors.js';
import type { Params } from './route-table.js';

const PREFIX = '/admin';

const ADMIN_CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const IMMUTABLE = 'public, max-age=31536000, immutable';

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
};

/** File names Vite gives assets (`index-B2x9aQ.js`): no directories, nothing hidden. */
const ASSET_NAME = /^[\w-]+(\.[\w-]+)*$/;

const NOT_BUILT = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Admin console not built</title></head>
<body>
<h1>The admin console has not been built</h1>
<p>Run <code>npm run build</code> in the service's directory, then reload this page.</p>
</body>
</html>
`;

type ConsoleHandler = (ctx: Context, params: Params) => Promise<void>;

const MEMORY_TRANSPORT = '<meta name="token-transport" content="memory"';
const COOKIE_TRANSPORT = '<meta name="token-transport" content="cookie"';

export function adminConsoleRoutes(
  directory: string,
  options: { cookies: boolean },
): Record<string, ConsoleHandler> {
  const root = resolve(directory);
  const assets = join(root, 'assets');
  const page = { file: join(root, 'index.html'), cookies: options.cookies };
  return {
    // The table serves `/admin` here too (one route, with and without the slash).
    [`${PREFIX}/`]: async (ctx) => {
      ctx.set('Content-Security-Policy', ADMIN_CONSOLE_CSP);
      if (ctx.path === PREFIX) {
        ctx.status = 308;
        ctx.redirect(`${PREFIX}/${ctx.querystring ? `?${ctx.querystring}` : ''}`);
        return;
      }
      await serveIndex(ctx, page);
    },
    [`${PREFIX}/assets/:asset`]: async (ctx, params) => {
      ctx.set('Content-Security-Policy', ADMIN_CONSOLE_CSP);
      await serveAsset(ctx, assets, params.asset ?? '');
    },
    // Every other path is a route of the app.
    [`${PREFIX}/*`]: async (ctx) => {
      ctx.set('Content-Security-Policy', ADMIN_CONSOLE_CSP);
      await serveIndex(ctx, page);
    },
  };
}

async function serveAsset(ctx: Context, assets: string, name: string) {
  const type = CONTENT_TYPES[extname(name)];
  // Read whole, not streamed: a stream cut short by a client that goes away (or merely closes
  // first) is an error Koa prints, stack and all, outside the logger. The files are small.
  const content =
    ASSET_NAME.test(name) && type ? await readFile(join(assets, name)).catch(() => null) : null;
  if (!content) throw new AppError('NOT_FOUND');
  ctx.set('Cache-Control', IMMUTABLE);
  ctx.type = type!;
  ctx.body = content;
}

async function serveIndex(ctx: Context, { file, cookies }: { file: string; cookies: boolean }) {
  const content = await readFile(file, 'utf8').catch(() => null);
  const page = content && cookies ? content.replace(MEMORY_TRANSPORT, COOKIE_TRANSPORT) : content;
  ctx.type = 'text/html; charset=utf-8';
  if (!page) {
    ctx.status = 503;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = NOT_BUILT;
    return;
  }
  ctx.set('Cache-Control', 'no-cache');
  ctx.body = page;
}
