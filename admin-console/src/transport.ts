/**
 * How the console keeps its session, as the service that serves it says: index.html carries
 * `<meta name="token-transport" content="memory">`, which the service turns to `cookie` when
 * AUTH_COOKIES is on (server/http/admin-console.ts). The page learns it before any call, with
 * no extra request; the Vite dev server serves the file as it is, so development uses memory.
 */
export type TokenTransport = 'cookie' | 'memory';

export function tokenTransport(): TokenTransport {
  const meta = document.querySelector<HTMLMetaElement>('meta[name="token-transport"]');
  return meta?.content === 'cookie' ? 'cookie' : 'memory';
}
