/** Email (see docs/email.md): the transport, the outbox worker, and address verification. */
import { z } from 'zod';
import { booleanFromEnv, integer, url } from './parsers.js';

export const emailVariables = z.object({
  EMAIL_HOST: z.string().min(1).optional(),
  EMAIL_PORT: integer(1, 65535).default(587),
  EMAIL_HOST_USER: z.string().optional(),
  EMAIL_HOST_PASSWORD: z.string().optional(),
  EMAIL_USE_TLS: booleanFromEnv.default(true),
  DEFAULT_FROM_EMAIL: z.string().min(3).default('Auth Service <noreply@example.com>'),
  EMAIL_BACKEND: z.enum(['auto', 'sendgrid', 'smtp', 'console']).default('auto'),
  SENDGRID_API_KEY: z.string().min(1).optional(),
  SENDGRID_API_URL: url(/^https?:$/, 'http(s)://').optional(),
  SENDGRID_SANDBOX_MODE: booleanFromEnv.default(false),
  EMAIL_SEND_TIMEOUT_MS: integer(100, 120_000).default(15_000),
  TEMPLATES_DIR: z.string().min(1).default('templates/email'),
  EMAIL_OUTBOX_WORKER: booleanFromEnv.default(true),
  EMAIL_OUTBOX_POLL_MS: integer(50, 600_000).default(1000),
  EMAIL_OUTBOX_BATCH_SIZE: integer(1, 1000).default(10),
  EMAIL_OUTBOX_MAX_ATTEMPTS: integer(1, 100).default(10),
  EMAIL_OUTBOX_BACKOFF_BASE_MS: integer(10, 3_600_000).default(5000),
  EMAIL_OUTBOX_BACKOFF_MAX_MS: integer(10, 24 * 3_600_000).default(3_600_000),
  EMAIL_OUTBOX_LEASE_MS: integer(1000, 3_600_000).default(120_000),
  EMAIL_OUTBOX_RETENTION_DAYS: integer(0, 3650).default(7),
  EMAIL_VERIFICATION_TIMEOUT: integer(60, 30 * 24 * 3600).default(3 * 24 * 3600),
  REQUIRE_EMAIL_VERIFICATION: booleanFromEnv.default(false),
  VERIFICATION_RESEND_LIMIT: integer(1, 1000).default(3),
  VERIFICATION_RESEND_WINDOW: integer(1, 7 * 24 * 3600).default(3600),
});

type EmailEnvironment = z.output<typeof emailVariables>;

/** EMAIL_BACKEND=auto: SendGrid when it has a key, SMTP when it has a host, else the console. */
export function emailBackendFrom(environment: EmailEnvironment) {
  const wanted = environment.EMAIL_BACKEND;
  if (wanted !== 'auto') return wanted;
  if (environment.SENDGRID_API_KEY) return 'sendgrid';
  return environment.EMAIL_HOST ? 'smtp' : 'console';
}

export function emailSection(environment: EmailEnvironment) {
  return {
    email: {
      host: environment.EMAIL_HOST,
      port: environment.EMAIL_PORT,
      user: environment.EMAIL_HOST_USER,
      password: environment.EMAIL_HOST_PASSWORD,
      useTls: environment.EMAIL_USE_TLS,
      defaultFrom: environment.DEFAULT_FROM_EMAIL,
      /** The transport, resolved from EMAIL_BACKEND (`auto` picks by what is configured). */
      backend: emailBackendFrom(environment),
      sendgrid: environment.SENDGRID_API_KEY
        ? {
            apiKey: environment.SENDGRID_API_KEY,
            apiUrl: environment.SENDGRID_API_URL,
            sandboxMode: environment.SENDGRID_SANDBOX_MODE,
          }
        : null,
      sendTimeoutMs: environment.EMAIL_SEND_TIMEOUT_MS,
      templatesDir: environment.TEMPLATES_DIR,
      outbox: {
        /** Whether this process runs the delivery worker (every instance may; they never collide). */
        worker: environment.EMAIL_OUTBOX_WORKER,
        pollMs: environment.EMAIL_OUTBOX_POLL_MS,
        batchSize: environment.EMAIL_OUTBOX_BATCH_SIZE,
        maxAttempts: environment.EMAIL_OUTBOX_MAX_ATTEMPTS,
        backoffBaseMs: environment.EMAIL_OUTBOX_BACKOFF_BASE_MS,
        backoffMaxMs: environment.EMAIL_OUTBOX_BACKOFF_MAX_MS,
        leaseMs: environment.EMAIL_OUTBOX_LEASE_MS,
        /** Sent messages are deleted after this many days; 0 keeps them. */
        retentionDays: environment.EMAIL_OUTBOX_RETENTION_DAYS,
      },
    },
    emailVerification: {
      timeoutSeconds: environment.EMAIL_VERIFICATION_TIMEOUT,
      required: environment.REQUIRE_EMAIL_VERIFICATION,
      resendLimit: environment.VERIFICATION_RESEND_LIMIT,
      resendWindowSeconds: environment.VERIFICATION_RESEND_WINDOW,
    },
  };
}
