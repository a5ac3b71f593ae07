/**
 * Records every REST error body the suites provoke, so that the root hook (test/setup.ts) can
 * hold them all, after the last suite, against the envelope schema the OpenAPI document
 * publishes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { ERROR_CATALOGUE, ERROR_CODES, type ErrorCode } from '../../server/errors.js';
import type { Json } from './json.js';

export interface RecordedError {
  method: string;
  path: string;
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
}

export const recordedErrors: RecordedError[] = [];

type Handler = (request: IncomingMessage, response: ServerResponse) => void | Promise<void>;

export function recordErrorResponses(handler: Handler): Handler {
  return (request, response) => {
    if (request.url?.startsWith('/api/')) {
      const chunks: Buffer[] = [];
      // Headers handed straight to writeHead (tRPC's adapter passes some) never enter getHeaders().
      const passedToWriteHead: Record<string, unknown> = {};
      const writeHead = response.writeHead.bind(response) as (...args: unknown[]) => unknown;
      response.writeHead = ((status: number, ...rest: unknown[]) => {
        const headers = rest.find(
          (argument): argument is Record<string, unknown> | unknown[] =>
            typeof argument === 'object' && argument !== null,
        );
        if (Array.isArray(headers)) {
          for (let index = 0; index < headers.length; index += 2) {
            passedToWriteHead[String(headers[index]).toLowerCase()] = headers[index + 1];
          }
        } else if (headers) {
          for (const [name, value] of Object.entries(headers)) {
            passedToWriteHead[name.toLowerCase()] = value;
          }
        }
        return writeHead(status, ...rest);
      }) as typeof response.writeHead;
      const write = response.write.bind(response) as (...args: unknown[]) => boolean;
      const end = response.end.bind(response) as (...args: unknown[]) => unknown;
      const keep = (chunk: unknown) => {
        if (typeof chunk === 'string' || chunk instanceof Uint8Array)
          chunks.push(Buffer.from(chunk));
      };
      response.write = ((chunk: unknown, ...rest: unknown[]) => {
        keep(chunk);
        return write(chunk, ...rest);
      }) as typeof response.write;
      response.end = ((chunk?: unknown, ...rest: unknown[]) => {
        keep(chunk);
        if (response.statusCode >= 400) {
          recordedErrors.push({
            method: request.method ?? '',
            path: request.url ?? '',
            status: response.statusCode,
            headers: {
              ...response.getHeaders(),
              ...passedToWriteHead,
            } as RecordedError['headers'],
            body: Buffer.concat(chunks).toString('utf8'),
          });
        }
        return end(chunk, ...rest);
      }) as typeof response.end;
    }
    return handler(request, response);
  };
}

type JsonObject = Record<string, Json>;

const header = (error: RecordedError, name: string) => {
  const value = error.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(', ') : value === undefined ? undefined : String(value);
};

export const errorLabel = (error: RecordedError) =>
  `${error.method} ${error.path} → ${error.status}`;

/** The documented operation a recorded request reached, if any. */
function operationOf(document: JsonObject, error: RecordedError): JsonObject | undefined {
  const path = error.path.split('?')[0]!.replace(/^\/api/, '');
  const withSlash = path.endsWith('/') ? path : `${path}/`;
  for (const [template, item] of Object.entries(document.paths as JsonObject)) {
    const pattern = new RegExp(`^${template.replace(/\{\w+\}/g, '[^/]+')}$`);
    if (pattern.test(withSlash)) return (item as JsonObject)[error.method.toLowerCase()];
  }
  return undefined;
}

/**
 * What is wrong with recorded error answers, held against the contract and the OpenAPI
 * document: the envelope's schema, each code's status, field errors on validation errors only,
 * no stack or SQL, WWW-Authenticate on every 401, Retry-After on every 429 and 503, and only
 * statuses the document lists. Empty when all is well.
 */
export function envelopeProblems(errors: readonly RecordedError[], document: JsonObject): string[] {
  const problems: string[] = [];
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  const validate = ajv.compile(document.components.schemas.ErrorEnvelope);
  for (const error of errors) {
    const label = errorLabel(error);
    if (!/^application\/json/.test(header(error, 'content-type') ?? '')) {
      problems.push(`${label}: Content-Type ${header(error, 'content-type')}`);
    }
    let body: { code: ErrorCode; detail: string; errors?: object };
    try {
      body = JSON.parse(error.body);
    } catch {
      problems.push(`${label}: the body is not JSON: "${error.body.slice(0, 200)}"`);
      continue;
    }
    if (!validate(body)) problems.push(`${label}: ${ajv.errorsText(validate.errors)}`);
    if (!ERROR_CODES.includes(body.code)) problems.push(`${label}: unknown code ${body.code}`);
    else if (ERROR_CATALOGUE[body.code].status !== error.status) {
      problems.push(`${label}: ${body.code} belongs to ${ERROR_CATALOGUE[body.code].status}`);
    }
    if ('errors' in body !== (body.code === 'VALIDATION_ERROR')) {
      problems.push(`${label}: field errors on a ${body.code}: ${error.body}`);
    }
    if (/\n\s+at |SELECT |INSERT |Sequelize|Error:/.test(body.detail ?? '')) {
      problems.push(`${label}: the detail leaks internals: ${body.detail}`);
    }
    if (body.code === 'INTERNAL_ERROR' && body.detail !== ERROR_CATALOGUE.INTERNAL_ERROR.detail) {
      problems.push(`${label}: an internal error says more than it should: ${body.detail}`);
    }
    // Introspection clients authenticate with HTTP Basic (RFC 7662), everyone else with a Bearer.
    const scheme = error.path.startsWith('/api/auth/introspect') ? 'Basic' : 'Bearer';
    const challenge = header(error, 'www-authenticate') ?? '';
    if (error.status === 401 && !new RegExp(`^${scheme}\\b`).test(challenge)) {
      problems.push(`${label}: no WWW-Authenticate: ${scheme}`);
    }
    if (
      (error.status === 429 || error.status === 503) &&
      !/^[1-9]\d*$/.test(header(error, 'retry-after') ?? '')
    ) {
      problems.push(`${label}: no Retry-After in whole seconds`);
    }
    const operation = operationOf(document, error);
    // Unknown paths and methods (the router's 404 and 405) have no operation to list them.
    if (operation && !Object.keys(operation.responses).includes(String(error.status))) {
      problems.push(`${label}: the document lists no ${error.status} for this operation`);
    }
  }
  return problems;
}
