/**
 * Calls an operation's procedure with its middleware, guards and input and output schemas, as
 * tRPC's own `callTRPCProcedure` does, without looking the procedure up by path each time: both
 * wire formats found it once, when the route table was built.
 */
import type { RequestContext } from '../trpc/context.js';
import type { Operation } from '../trpc/operations.js';

export function callProcedure(
  operation: Operation,
  ctx: RequestContext,
  input: unknown,
  batchIndex = 0,
): Promise<unknown> {
  return operation.procedure({
    path: operation.path,
    type: operation.type,
    ctx,
    getRawInput: async () => input,
    signal: undefined,
    batchIndex,
  });
}
