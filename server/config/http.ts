/** The HTTP listener: address, which hosts and origins it answers, proxies, and its limits. */
import { z } from 'zod';
import type { GeneralEnvironment } from './general.js';
import { booleanFromEnv, commaList, integer } from './parsers.js';

/** TRUST_PROXY is a hop count ("1") or a list of trusted proxy addresses/CIDRs. */
const trustProxy = z.string().transform((value, context) => {
  const trimmed = value.trim();
  if (trimmed === '' || trimmed === 'false' || trimmed === '0') return 0;
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const list = trimmed
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  const cidr = /^[0-9a-fA-F:.]+(\/\d{1,3})?$|^(loopback|linklocal|uniquelocal)$/;
  const bad = list.find((item) => !cidr.test(item));
  if (bad) {
    context.addIssue({ code: 'custom', message: `"${bad}" is neither a hop count nor an IP/CIDR` });
    return z.NEVER;
  }
  return list;
});

export const httpVariables = z.object({
  ALLOWED_HOSTS: commaList.default(['*']),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: integer(0, 65535).default(8000),
  CORS_ALLOWED_ORIGINS: commaList.default([]),
  AUTH_COOKIES: booleanFromEnv.default(false),
  TRUST_PROXY: trustProxy.default(0),
  BODY_LIMIT_BYTES: integer(1024).default(1024 * 1024),
  TRPC_MAX_BATCH_SIZE: integer(1, 100).default(10),
  SHUTDOWN_TIMEOUT_SECONDS: integer(1, 600).default(10),
  SHUTDOWN_DELAY_SECONDS: integer(0, 300).optional(),
  // Slow clients (see server/http/server.ts): the time to send the headers, the whole request,
  // and the open connections one process holds.
  HTTP_HEADERS_TIMEOUT_MS: integer(100, 600_000).default(5000),
  HTTP_REQUEST_TIMEOUT_MS: integer(100, 3_600_000).default(30_000),
  HTTP_MAX_CONNECTIONS: integer(1, 1_000_000).default(4096),
  ADMIN_CONSOLE_DIR: z.string().min(1).default('admin-console/dist'),
});

export function httpSection(
  environment: z.output<typeof httpVariables> &
    Pick<GeneralEnvironment, 'NODE_ENV' | 'FRONTEND_URL'>,
) {
  const frontendOrigin = new URL(environment.FRONTEND_URL).origin;
  return {
    host: environment.HOST,
    port: environment.PORT,
    allowedHosts: environment.ALLOWED_HOSTS,
    /**
     * CORS_ALLOWED_ORIGINS when set; otherwise, in development, the frontend's own origin, so the
     * app at FRONTEND_URL can call the API with no more setup. Production allows none by default.
     */
    corsAllowedOrigins: environment.CORS_ALLOWED_ORIGINS.length
      ? environment.CORS_ALLOWED_ORIGINS
      : environment.NODE_ENV === 'development'
        ? [frontendOrigin]
        : [],
    /** AUTH_COOKIES: browsers may ask for the refresh token as a cookie (http/token-cookies.ts). */
    authCookies: {
      enabled: environment.AUTH_COOKIES,
      /** `Secure` on the cookie: everywhere but NODE_ENV=development. */
      secure: environment.NODE_ENV !== 'development',
      /**
       * Origins whose requests may use the cookie: the listed CORS origins and FRONTEND_URL's.
       * Never `*`: a cookie that any page's request can use is what CSRF is.
       */
      trustedOrigins: [
        ...new Set([
          ...environment.CORS_ALLOWED_ORIGINS.filter((origin) => origin !== '*'),
          frontendOrigin,
        ]),
      ],
    },
    trustProxy: environment.TRUST_PROXY,
    bodyLimitBytes: environment.BODY_LIMIT_BYTES,
    /** The most calls one tRPC batch may hold; a longer batch is refused whole. */
    trpcMaxBatchSize: environment.TRPC_MAX_BATCH_SIZE,
    shutdownTimeoutMs: environment.SHUTDOWN_TIMEOUT_SECONDS * 1000,
    /**
     * After SIGTERM, how long readiness fails while the listener still accepts. Behind a load
     * balancer (production) it needs time to see readiness fail; a developer's restart (tsx
     * watch sends SIGTERM) should not wait.
     */
    shutdownDelayMs:
      (environment.SHUTDOWN_DELAY_SECONDS ?? (environment.NODE_ENV === 'production' ? 5 : 0)) *
      1000,
    headersTimeoutMs: environment.HTTP_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: environment.HTTP_REQUEST_TIMEOUT_MS,
    maxConnections: environment.HTTP_MAX_CONNECTIONS,
    /** The admin console's build (`npm run build`), served at /admin/. */
    adminConsoleDir: environment.ADMIN_CONSOLE_DIR,
  };
}
