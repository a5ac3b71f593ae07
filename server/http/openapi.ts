/**
 * The OpenAPI 3.1 document, generated from the procedures' zod schemas and meta (never written
 * by hand), then adjusted to what the bridge really serves: the contract's trailing-slash
 * paths, 201 for register, and error responses described by the envelope schema.
 */
import type { AnyTRPCProcedure, AnyTRPCRouter } from '@trpc/server';
import { generateOpenApiDocument } from 'trpc-to-openapi';
import { ERROR_CODES } from '../errors.js';
import type { RouteMeta } from '../trpc/context.js';
import {
  applyRequestExample,
  errorCodesFor,
  errorExamples,
  requestExampleOf,
} from './openapi-examples.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the generated document is walked by key, untyped
type JsonObject = Record<string, any>;

const ENVELOPE_SCHEMA = {
  type: 'object',
  required: ['detail', 'code'],
  additionalProperties: false,
  properties: {
    detail: { type: 'string', description: 'A sentence for a person.' },
    code: {
      type: 'string',
      enum: ERROR_CODES,
      description: 'Stable code for programs to switch on.',
    },
    errors: {
      type: 'object',
      description:
        'Validation errors keyed by request field (`non_field_errors` for the whole body).',
      additionalProperties: { type: 'array', items: { type: 'string' } },
    },
  },
};

const ERROR_STATUSES_PUBLIC: Record<string, string> = {
  '400': 'Invalid input',
  '413': 'Request body too large',
  '415': 'Body is not JSON',
  '429': 'Rate limited',
  '500': 'Internal error',
  '503': 'A dependency is unavailable',
};
const ERROR_STATUSES_PROTECTED: Record<string, string> = {
  ...ERROR_STATUSES_PUBLIC,
  '401': 'Missing, invalid, expired or revoked token',
  '403': 'Not allowed',
  '404': 'Not found',
};

function errorResponse(description: string, examples: JsonObject) {
  return {
    description,
    content: {
      'application/json': { schema: { $ref: '#/components/schemas/ErrorEnvelope' }, examples },
    },
  };
}

export function buildOpenApiDocument(appRouter: AnyTRPCRouter, version: string): JsonObject {
  const document = generateOpenApiDocument(appRouter, {
    title: 'auth-service',
    description:
      'Email-based authentication: JWT access/refresh tokens with rotation, sessions, password reset. ' +
      'Every operation is also a tRPC procedure at /trpc.',
    version,
    baseUrl: '/api',
    securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
  }) as JsonObject;

  // Keyed by method too: two procedures may share a path (GET and PATCH of one resource).
  const routeKey = (method: string, path: string) =>
    `${method.toUpperCase()} ${path.replace(/\/$/, '')}`;
  type Route = NonNullable<RouteMeta['openapi']> & {
    guarded: boolean;
    procedure: AnyTRPCProcedure;
  };
  const metaByRoute = new Map<string, Route>();
  for (const procedure of Object.values(
    appRouter._def.procedures as Record<string, AnyTRPCProcedure>,
  )) {
    const meta = procedure._def.meta as RouteMeta | undefined;
    if (meta?.openapi) {
      metaByRoute.set(routeKey(meta.openapi.method, meta.openapi.path), {
        ...meta.openapi,
        guarded: meta.guard !== 'public',
        procedure,
      });
    }
  }

  const paths: JsonObject = {};
  for (const [generatedPath, item] of Object.entries(document.paths as JsonObject)) {
    let path = generatedPath;
    for (const [method, operation] of Object.entries(item as JsonObject)) {
      if (typeof operation !== 'object' || !operation.responses) continue;
      const meta = metaByRoute.get(routeKey(method, generatedPath));
      if (meta) path = meta.path;
      const example = meta && requestExampleOf(meta.procedure);
      if (example) applyRequestExample(operation, example);
      const responses: JsonObject = {};
      const success = operation.responses['200'];
      if (success) responses[String(meta?.successStatus ?? 200)] = success;
      const statuses: Record<string, string> = {
        ...(meta?.guarded ? ERROR_STATUSES_PROTECTED : ERROR_STATUSES_PUBLIC),
        ...meta?.errorResponses,
      };
      for (const [status, description] of Object.entries(statuses).sort(
        ([a], [b]) => Number(a) - Number(b),
      ))
        responses[status] = errorResponse(
          description,
          errorExamples(
            errorCodesFor(Number(status), meta?.errorCodes?.[Number(status)]),
            meta?.procedure,
            operation,
          ),
        );
      operation.responses = responses;
      if (!meta?.guarded) delete operation.security;
      if (meta?.alsoMethods) {
        for (const extra of meta.alsoMethods) {
          (item as JsonObject)[extra.toLowerCase()] = {
            ...operation,
            operationId: `${operation.operationId}-${extra.toLowerCase()}`,
          };
        }
      }
    }
    paths[path] = item;
  }
  document.paths = paths;
  document.components ??= {};
  document.components.schemas = {
    ...(document.components.schemas ?? {}),
    ErrorEnvelope: ENVELOPE_SCHEMA,
  };
  // The generator's default error shapes ({message, code, issues}) describe tRPC's wire, not the
  // envelope the bridge sends; nothing refers to them once the responses above are in place.
  for (const name of Object.keys(document.components.schemas)) {
    if (name.startsWith('error.')) delete document.components.schemas[name];
  }
  return document;
}
