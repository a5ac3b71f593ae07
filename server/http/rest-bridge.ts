/**
 * The OpenAPI bridge: serves each procedure that declares `meta.openapi` at its REST path (with
 * and without the trailing slash), calling the very same procedure the tRPC client calls. The
 * input is the JSON body (or the query string for GET) plus path parameters; the output is the
 * procedure's, as JSON; errors go to the error boundary, which writes the envelope.
 */
import Router from '@koa/router';
import { callTRPCProcedure, type AnyTRPCProcedure, type AnyTRPCRouter } from '@trpc/server';
import type { Context as KoaContext } from 'koa';
import { AppError } from '../errors.js';
import type { Context, RouteMeta } from '../trpc/context.js';

export interface RestRoute {
  procedurePath: string;
  method: string;
  path: string;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `/auth/sessions/{id}/` → `/auth/sessions/:id/` */
const toRouterPath = (path: string) => path.replace(/\{(\w+)\}/g, ':$1');

export function restRoutes(appRouter: AnyTRPCRouter): RestRoute[] {
  const procedures = appRouter._def.procedures as Record<string, AnyTRPCProcedure>;
  return Object.entries(procedures).flatMap(([procedurePath, procedure]) => {
    const openapi = (procedure._def.meta as RouteMeta | undefined)?.openapi;
    if (!openapi) return [];
    return [openapi.method, ...(openapi.alsoMethods ?? [])].map((method) => ({
      procedurePath,
      method,
      path: openapi.path,
    }));
  });
}

/** A GET or DELETE's input: its query string and path parameters, or nothing when empty. */
export function queryInput(...parts: object[]): Record<string, unknown> | undefined {
  const input = Object.assign({}, ...parts) as Record<string, unknown>;
  return Object.keys(input).length ? input : undefined;
}

function restInput(ctx: KoaContext, method: string): unknown {
  const params = (ctx as KoaContext & { params?: Record<string, string> }).params ?? {};
  if (method === 'GET' || method === 'DELETE') return queryInput(ctx.query, params);
  const body = ctx.request.body ?? {};
  if (!isPlainObject(body)) {
    throw new AppError('VALIDATION_ERROR', {
      fieldErrors: {
        non_field_errors: ['Invalid data. Expected a dictionary, but got a list or value.'],
      },
    });
  }
  return { ...body, ...params };
}

export function createRestBridge(
  appRouter: AnyTRPCRouter,
  prefix: string,
  createContext: (ctx: KoaContext) => Context,
): Router {
  const rest = new Router({ prefix, strict: true });
  const procedures = appRouter._def.procedures as Record<string, AnyTRPCProcedure>;

  for (const route of restRoutes(appRouter)) {
    const procedure = procedures[route.procedurePath]!;
    const meta = (procedure._def.meta as RouteMeta).openapi!;
    const handler = async (ctx: KoaContext) => {
      const input = restInput(ctx, route.method);
      const output = await callTRPCProcedure({
        router: appRouter,
        path: route.procedurePath,
        type: procedure._def.type,
        ctx: createContext(ctx),
        getRawInput: async () => input,
        signal: undefined,
        batchIndex: 0,
      });
      ctx.status = meta.successStatus ?? 200;
      ctx.body = output;
    };
    const withSlash = toRouterPath(route.path);
    const withoutSlash = withSlash.replace(/\/$/, '');
    // Both spellings are served directly: a redirect would drop a POST body.
    rest.register([withSlash, withoutSlash], [route.method], handler);
  }
  return rest;
}
