import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Paths that may carry a secret. pino replaces them before a line is written, so a password,
 * token or Authorization header never reaches a log, whatever a caller passes in.
 */
const REDACTED_PATHS = [
  'password',
  'token',
  'refresh',
  'access',
  'secret',
  'authorization',
  '*.password',
  '*.current_password',
  '*.new_password',
  '*.password_confirm',
  '*.new_password_confirm',
  '*.token',
  '*.refresh',
  '*.access',
  '*.secret',
  '*.authorization',
  '*.headers.authorization',
  '*.headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
];

export function createLogger(options: { level: string; pretty: boolean }): Logger {
  return pino({
    level: options.level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    base: { service: 'auth_service' },
    ...(options.pretty
      ? {
          transport: {
            target: 'pino-pretty',
            options: {
              colorize: true,
              singleLine: true,
              translateTime: 'SYS:HH:MM:ss',
              ignore: 'pid,hostname,service',
            },
          },
        }
      : {}),
  });
}
