/**
 * Every operation of the router as the edge dispatches it and `npm run routes` prints it: the
 * tRPC path, the REST method(s) and path, the guard, the rate limits and whether it checks a
 * password. All of it is read from the procedures themselves: the guard from the builder they
 * were made with (init.ts), REST from `meta.openapi`, limits from `meta.rateLimit`. Nothing here
 * is declared a second time.
 */
import type { AnyTRPCProcedure, AnyTRPCRouter } from '@trpc/server';
import type { Guard, RouteMeta } from './context.js';
import { limitsOf, type ActionLimits } from './rate-limit.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RestRoute {
  /** The methods the path answers; the first is the one the OpenAPI document describes. */
  methods: HttpMethod[];
  /** Under the REST prefix (`/api`), with `{name}` for path parameters: `/auth/sessions/{id}/`. */
  path: `/${string}`;
  /** The status of a successful answer (201 for register). */
  successStatus: number;
}

export interface Operation {
  /** The tRPC procedure path, e.g. `auth.login`. */
  path: string;
  type: 'query' | 'mutation';
  procedure: AnyTRPCProcedure;
  guard: Guard;
  rest: RestRoute | null;
  limits: ActionLimits | undefined;
}

export function operationsOf(router: AnyTRPCRouter): Operation[] {
  const procedures = router._def.procedures as Record<string, AnyTRPCProcedure>;
  return Object.entries(procedures).map(([path, procedure]) => {
    const meta = procedure._def.meta as RouteMeta | undefined;
    const type = procedure._def.type;
    if (type !== 'query' && type !== 'mutation') {
      throw new Error(`${path}: only queries and mutations are served over HTTP`);
    }
    if (!meta?.guard) {
      throw new Error(`${path}: build it from publicProcedure, authedProcedure or staffProcedure`);
    }
    const openapi = meta.openapi;
    return {
      path,
      type,
      procedure,
      guard: meta.guard,
      rest: openapi
        ? {
            methods: [openapi.method, ...(openapi.alsoMethods ?? [])],
            path: openapi.path,
            successStatus: openapi.successStatus ?? 200,
          }
        : null,
      limits: limitsOf(meta),
    };
  });
}

/** Every REST method and path the operations answer, one entry per method. */
export function restEndpoints(
  operations: readonly Operation[],
): Array<{ operation: string; method: HttpMethod; path: `/${string}` }> {
  return operations.flatMap((operation) =>
    (operation.rest?.methods ?? []).map((method) => ({
      operation: operation.path,
      method,
      path: operation.rest!.path,
    })),
  );
}
