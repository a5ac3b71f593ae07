/** The service as a whole: which environment it runs in, its logs, and how it names itself. */
import { BlockList, isIP } from 'node:net';
import { z } from 'zod';
import { booleanFromEnv, url } from './parsers.js';

export const generalVariables = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  ALLOW_INSECURE_PRODUCTION: booleanFromEnv.default(false),
  // Django's DEBUG: still validated so a Django `.env` starts unchanged, but nothing reads it.
  DEBUG: booleanFromEnv.optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  FRONTEND_URL: url(/^https?:$/, 'http(s)://').default('http://localhost:3000'),
  APP_NAME: z.string().min(1).default('Auth Service'),
  SUPPORT_EMAIL: z.email({ error: 'expected an email address' }).default('support@example.com'),
});

export type GeneralEnvironment = z.output<typeof generalVariables>;

export function generalSection(environment: GeneralEnvironment) {
  return {
    env: environment.NODE_ENV,
    logLevel: environment.LOG_LEVEL ?? (environment.NODE_ENV === 'test' ? 'silent' : 'info'),
    frontendUrl: environment.FRONTEND_URL.replace(/\/+$/, ''),
    appName: environment.APP_NAME,
    supportEmail: environment.SUPPORT_EMAIL,
  };
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('0.0.0.0', 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');
LOOPBACK.addAddress('::', 'ipv6');

/** The URL's host is this machine: localhost, 127.0.0.0/8, ::1 (also IPv4-mapped), 0.0.0.0. */
export function isLoopbackUrl(value: string): boolean {
  const host = new URL(value).hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  const family = isIP(host);
  return family !== 0 && LOOPBACK.check(host, family === 4 ? 'ipv4' : 'ipv6');
}
