/**
 * The rules across variables. In production, what would be unsafe there is a problem, except
 * that ALLOW_INSECURE_PRODUCTION=true turns the relaxable ones (a Host check that admits any
 * host, links that point at this machine) into warnings, for a demo. Never relaxed: a weak or
 * missing SECRET_KEY, the embedded database, no Redis, and mail to the console unless
 * EMAIL_BACKEND=console says so (a reset link in the log lets anyone who reads it in).
 */
import { databaseSection } from './database.js';
import { emailBackendFrom } from './email.js';
import type { Environment, Problem } from './environment.js';
import { isLoopbackUrl } from './general.js';
import { redisTopologyFrom } from './redis.js';
import { weakSecretReason } from './secrets.js';

export function crossVariableRules(environment: Environment): {
  problems: Problem[];
  warnings: string[];
} {
  const problems: Problem[] = [];
  const warnings: string[] = [];
  const refuse = (variable: string, message: string) => problems.push({ variable, message });
  const relaxable = (variable: string, message: string) =>
    environment.ALLOW_INSECURE_PRODUCTION ? warnings.push(message) : refuse(variable, message);

  if (environment.METRICS_PORT && environment.METRICS_PORT === environment.PORT) {
    refuse(
      'METRICS_PORT',
      `METRICS_PORT (${environment.METRICS_PORT}) must differ from PORT: metrics are never served on the public port`,
    );
  }
  if (environment.NODE_ENV === 'production') {
    const reason = weakSecretReason(environment.SECRET_KEY);
    if (reason) refuse('SECRET_KEY', `SECRET_KEY ${reason}`);
    if (databaseSection(environment).database.kind === 'embedded')
      refuse(
        'DATABASE_URL',
        'DATABASE_URL (or DB_NAME/DB_HOST) is required in production; the embedded database is for development only',
      );
    if (!redisTopologyFrom(environment))
      refuse(
        'REDIS_URL',
        'REDIS_URL (or REDIS_SENTINELS, or REDIS_CLUSTER_NODES) is required in production',
      );
    if (emailBackendFrom(environment) === 'console' && environment.EMAIL_BACKEND !== 'console')
      refuse(
        'EMAIL_BACKEND',
        'EMAIL_BACKEND is auto and no mail provider is set (SENDGRID_API_KEY or EMAIL_HOST), so mail would go to the log with live reset and verification links; set a provider, or EMAIL_BACKEND=console to accept that',
      );
    if (environment.ALLOWED_HOSTS.includes('*'))
      relaxable(
        'ALLOWED_HOSTS',
        'ALLOWED_HOSTS is * (the default), so any Host header is accepted; list the host names this service answers for (e.g. ALLOWED_HOSTS=auth.example.com)',
      );
    if (isLoopbackUrl(environment.FRONTEND_URL))
      relaxable(
        'FRONTEND_URL',
        `FRONTEND_URL (${environment.FRONTEND_URL}) points at this machine, so the links in mails work for nobody else; set the address users open (e.g. https://app.example.com)`,
      );
  }
  if (environment.EMAIL_BACKEND === 'sendgrid' && !environment.SENDGRID_API_KEY)
    refuse('EMAIL_BACKEND', 'EMAIL_BACKEND=sendgrid needs SENDGRID_API_KEY');
  if (environment.EMAIL_BACKEND === 'smtp' && !environment.EMAIL_HOST)
    refuse('EMAIL_BACKEND', 'EMAIL_BACKEND=smtp needs EMAIL_HOST');
  const topologies = [
    environment.REDIS_URL,
    environment.REDIS_SENTINELS,
    environment.REDIS_CLUSTER_NODES,
  ];
  if (topologies.filter(Boolean).length > 1)
    refuse(
      'REDIS_URL',
      'set only one of REDIS_URL, REDIS_SENTINELS and REDIS_CLUSTER_NODES (one Redis topology)',
    );
  if (environment.REDIS_SENTINELS && !environment.REDIS_SENTINEL_NAME)
    refuse('REDIS_SENTINEL_NAME', 'REDIS_SENTINELS needs REDIS_SENTINEL_NAME (the master name)');
  if (environment.DB_POOL_MIN > environment.DB_POOL_MAX)
    refuse('DB_POOL_MIN', 'DB_POOL_MIN must not exceed DB_POOL_MAX');
  if (environment.HTTP_HEADERS_TIMEOUT_MS > environment.HTTP_REQUEST_TIMEOUT_MS)
    refuse(
      'HTTP_HEADERS_TIMEOUT_MS',
      'HTTP_HEADERS_TIMEOUT_MS must not exceed HTTP_REQUEST_TIMEOUT_MS',
    );
  if (environment.RATE_LIMIT_LOGIN_ACCOUNT_MAX_LOCK < environment.RATE_LIMIT_LOGIN_ACCOUNT_WINDOW)
    refuse(
      'RATE_LIMIT_LOGIN_ACCOUNT_MAX_LOCK',
      'RATE_LIMIT_LOGIN_ACCOUNT_MAX_LOCK must be at least RATE_LIMIT_LOGIN_ACCOUNT_WINDOW',
    );
  if (
    environment.SESSION_IDLE_DAYS !== undefined &&
    environment.SESSION_IDLE_DAYS > environment.SESSION_MAX_AGE_DAYS
  )
    refuse(
      'SESSION_IDLE_DAYS',
      `SESSION_IDLE_DAYS (${environment.SESSION_IDLE_DAYS}) must not exceed SESSION_MAX_AGE_DAYS (${environment.SESSION_MAX_AGE_DAYS})`,
    );
  return { problems, warnings };
}
