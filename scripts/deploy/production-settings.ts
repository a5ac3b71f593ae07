/**
 * What the service refuses to start without in production (server/config/rules.ts), held against a
 * deployment file's environment, so a file that deploys a service which then refuses to start
 * is caught here rather than at its first rollout. SECRET_KEY, DATABASE_URL and REDIS_URL are
 * checked by each platform's own check; these are the metrics port, the Host check, the mail
 * links and the mail.
 */
import { isLoopbackUrl } from '../../server/config/index.js';

/** A variable's value as the file sets it, or `null` when the operator enters it at deploy time. */
export type DeployEnvironment = Map<string, string | null>;

export function productionSettingProblems(environment: DeployEnvironment): string[] {
  const problems: string[] = [];
  // Unset, PORT is 8000 (server/config/http.ts).
  const port = environment.has('PORT') ? environment.get('PORT') : '8000';
  const metricsPort = environment.get('METRICS_PORT');
  if (metricsPort && metricsPort === port)
    problems.push(
      `METRICS_PORT (${metricsPort}) must differ from PORT: metrics are never served on the public port`,
    );
  const insecureAllowed = /^(true|1|yes|on)$/i.test(
    environment.get('ALLOW_INSECURE_PRODUCTION') ?? '',
  );
  // Unset, each falls back to what production refuses: * and http://localhost:3000.
  const allowedHosts = environment.has('ALLOWED_HOSTS') ? environment.get('ALLOWED_HOSTS') : '*';
  if (allowedHosts?.split(',').some((host) => host.trim() === '*') && !insecureAllowed)
    problems.push('ALLOWED_HOSTS must list the host names clients use: production refuses *');
  const frontendUrl = environment.has('FRONTEND_URL')
    ? environment.get('FRONTEND_URL')
    : 'http://localhost:3000';
  if (frontendUrl && isLoopback(frontendUrl) && !insecureAllowed) {
    const shown = environment.has('FRONTEND_URL') ? frontendUrl : `unset, so ${frontendUrl},`;
    problems.push(`FRONTEND_URL (${shown}) points at the machine itself: production refuses it`);
  }
  const backend = environment.get('EMAIL_BACKEND');
  const mailProvider =
    environment.has('EMAIL_HOST') ||
    environment.has('SENDGRID_API_KEY') ||
    (backend !== undefined && backend !== 'auto');
  if (!mailProvider) {
    problems.push(
      'set EMAIL_HOST or SENDGRID_API_KEY (or EMAIL_BACKEND=console): production refuses mail to the console by default',
    );
  }
  return problems;
}

function isLoopback(url: string): boolean {
  try {
    return isLoopbackUrl(url);
  } catch {
    return false; // not a URL at all: the service says so itself
  }
}

/** `${NAME:-default}` and `${NAME-default}` as Compose resolves them with NAME unset; `${NAME}` is empty. */
export function composeDefault(value: string): string {
  return value.replace(
    /\$\{[A-Za-z_][A-Za-z0-9_]*(?::?-([^}]*))?\}/g,
    (_match, fallback?: string) => fallback ?? '',
  );
}
