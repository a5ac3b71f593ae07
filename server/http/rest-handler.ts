/**
 * The OpenAPI bridge: a procedure served at its REST path. The input is the JSON or form body (the query
 * string for GET and DELETE) with the path parameters over it; the answer is the procedure's
 * output as JSON with its success status. Errors go to the edge's error boundary, which writes
 * the contract's envelope. The procedure is the very one the tRPC client calls.
 */
import type { Context } from 'koa';
import { AppError } from '../errors.js';
import type { Operation } from '../trpc/operations.js';
import { createRequestContext } from '../trpc/context.js';
import { callProcedure } from './procedure-call.js';
import { readJsonBody } from './request-body.js';
import type { Params } from './route-table.js';
import type { TokenTransport } from './token-cookies.js';

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A GET or DELETE's input: its query string and path parameters, or nothing when empty. */
function queryInput(...parts: object[]): Record<string, unknown> | undefined {
  const input = Object.assign({}, ...parts) as Record<string, unknown>;
  return Object.keys(input).length ? input : undefined;
}

async function bodyInput(ctx: Context, limitBytes: number, params: Params) {
  const body = (await readJsonBody(ctx, limitBytes, { requireType: 'json-or-form' })) ?? {};
  if (!isPlainObject(body)) {
    throw new AppError('VALIDATION_ERROR', {
      fieldErrors: {
        non_field_errors: ['Invalid data. Expected a dictionary, but got a list or value.'],
      },
    });
  }
  return { ...body, ...params };
}

export function restHandler(
  operation: Operation,
  options: { bodyLimitBytes: number; transport: TokenTransport },
) {
  const successStatus = operation.rest?.successStatus ?? 200;
  return async (ctx: Context, params: Params) => {
    const input =
      ctx.method === 'GET' || ctx.method === 'HEAD' || ctx.method === 'DELETE'
        ? queryInput(ctx.query, params)
        : await bodyInput(ctx, options.bodyLimitBytes, params);
    const procedureContext = createRequestContext(ctx.state.request);
    const output = await options.transport(ctx, operation, input, (given) =>
      callProcedure(operation, procedureContext, given),
    );
    ctx.status = successStatus;
    ctx.body = output;
  };
}
