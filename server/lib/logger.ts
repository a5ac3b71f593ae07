import { pino, type DestinationStream, type Logger } from 'pino';
import {
  REDACTED,
  REDACTED_HEADER_PATHS,
  scrubSecrets,
  serializeError,
  withoutSecretFields,
} from './log-redaction.js';

export type { Logger };

/**
 * The service's logger: JSON lines (pretty in development) with every secret kept out of them
 * at every level (lib/log-redaction.ts says how). `destination` defaults to stdout.
 */
export function createLogger(options: {
  level: string;
  pretty: boolean;
  service?: string;
  destination?: DestinationStream;
}): Logger {
  const settings = {
    level: options.level,
    formatters: { log: (fields: Record<string, unknown>) => withoutSecretFields(fields) },
    redact: { paths: REDACTED_HEADER_PATHS, censor: REDACTED },
    serializers: {
      err: serializeError,
      error: serializeError,
      req: pino.stdSerializers.req,
      res: pino.stdSerializers.res,
    },
    hooks: { streamWrite: scrubSecrets },
    base: { service: options.service ?? 'auth_service' },
  };
  if (options.destination) return pino(settings, options.destination);
  if (!options.pretty) return pino(settings);
  return pino({
    ...settings,
    transport: {
      target: 'pino-pretty',
      options: {
        // Colours only for a person at a terminal: piped into a file or a CI log they are noise.
        colorize: Boolean(process.stdout.isTTY),
        singleLine: true,
        translateTime: 'SYS:HH:MM:ss',
        ignore: 'pid,hostname,service',
      },
    },
  });
}
