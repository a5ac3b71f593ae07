import { randomBytes } from 'node:crypto';

/**
 * The environment a benchmarked service runs with: production, as docs/deployment.md requires
 * it, with a fresh strong secret, quiet logs and no rate limits (the load comes from one
 * address). The load reaches it as 127.0.0.1, and the welcome mails of the registrations are
 * printed, not sent.
 */
export function benchServiceEnvironment(databaseUrl: string, redisUrl: string) {
  return {
    NODE_ENV: 'production',
    SECRET_KEY: randomBytes(48).toString('base64url'),
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    LOG_LEVEL: 'warn',
    RATE_LIMIT_ENABLED: 'false',
    ALLOWED_HOSTS: '127.0.0.1',
    FRONTEND_URL: 'https://app.example.com',
    EMAIL_BACKEND: 'console',
  };
}
