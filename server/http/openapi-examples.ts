/**
 * The examples of the OpenAPI document, so the docs page's Try-it-out starts from real bodies.
 * Requests: each operation's example is declared once on its input schema (schemas/examples.ts)
 * and spread here over path, query and body as the REST bridge reads them. Errors: every
 * envelope is made here from the catalogue (errors.ts), so a code reads the same on every
 * operation; only the 400 differs, being what the operation's own schema answers.
 */
import type { AnyTRPCProcedure } from '@trpc/server';
import type { z } from 'zod';
import { ERROR_CATALOGUE, ERROR_CODES, type ErrorCode, type FieldErrors } from '../errors.js';
import { fieldErrorsFromIssues } from '../trpc/error-mapping.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the generated document is walked by key, untyped
type JsonObject = Record<string, any>;
type Example = Record<string, unknown>;

/** A protected operation's 401: no token, or one that is invalid, expired or revoked. */
const GUARD_401_CODES: ErrorCode[] = ['NOT_AUTHENTICATED', 'TOKEN_INVALID'];

export function inputOf(procedure: AnyTRPCProcedure): z.ZodType | undefined {
  return (procedure._def as unknown as { inputs?: z.ZodType[] }).inputs?.[0];
}

/** The first example on the input schema, or on the schema a wrapper (`.prefault({})`) holds. */
export function requestExampleOf(procedure: AnyTRPCProcedure): Example | undefined {
  let schema = inputOf(procedure);
  while (schema) {
    const examples = schema.meta()?.examples;
    if (examples?.length) return examples[0] as Example;
    schema = (schema._zod.def as { innerType?: z.ZodType }).innerType;
  }
  return undefined;
}

/** Puts the example's path and query fields on the parameters and the rest in the body. */
export function applyRequestExample(operation: JsonObject, example: Example): void {
  const body: Example = { ...example };
  for (const parameter of (operation.parameters ?? []) as JsonObject[]) {
    if (parameter.name in body) {
      parameter.example = body[parameter.name];
      delete body[parameter.name];
    }
  }
  for (const media of Object.values((operation.requestBody?.content ?? {}) as JsonObject)) {
    media.example = body;
    // The generator copies the schema's examples, path fields included: the one above replaces them.
    delete media.schema?.examples;
  }
}

/**
 * The field errors the operation's schema reports for a body missing its required fields, or
 * else for the example with every field null; DRF's message for a body that is no object when
 * neither fails (or there is no input).
 */
function validationErrorsOf(
  procedure: AnyTRPCProcedure | undefined,
  pathFields: Example,
): FieldErrors {
  const input = procedure && inputOf(procedure);
  const example = procedure && requestExampleOf(procedure);
  const nulled = Object.fromEntries(Object.keys(example ?? {}).map((field) => [field, null]));
  for (const candidate of [pathFields, { ...nulled, ...pathFields }]) {
    const result = input?.safeParse(candidate);
    if (result && !result.success) return fieldErrorsFromIssues(result.error.issues);
  }
  return { non_field_errors: ['Invalid data. Expected a dictionary.'] };
}

export function errorCodesFor(status: number, declared: ErrorCode[] | undefined): ErrorCode[] {
  if (declared) return declared;
  if (status === 401) return GUARD_401_CODES;
  return ERROR_CODES.filter((code) => ERROR_CATALOGUE[code].status === status);
}

/** The response's named examples: one envelope per code the status answers with. */
export function errorExamples(
  codes: ErrorCode[],
  procedure: AnyTRPCProcedure | undefined,
  operation: JsonObject,
): JsonObject {
  const pathFields = Object.fromEntries(
    ((operation.parameters ?? []) as JsonObject[])
      .filter((parameter) => parameter.in === 'path')
      .map((parameter) => [parameter.name, parameter.example]),
  );
  return Object.fromEntries(
    codes.map((code) => [
      code,
      {
        summary: code,
        value: {
          detail: ERROR_CATALOGUE[code].detail,
          code,
          ...(code === 'VALIDATION_ERROR'
            ? { errors: validationErrorsOf(procedure, pathFields) }
            : {}),
        },
      },
    ]),
  );
}
