/**
 * The one route table: every REST path and the tRPC endpoint, built from the router
 * (routes.ts), beside the service's own pages (health, docs, the console). Matching is
 * find-my-way's radix tree: a lookup costs the same however many routes there are, and a path
 * is served with and without its trailing slash (the contract's spelling, and the one clients
 * drop; no redirect, which would lose a POST body).
 */
import FindMyWay, { type HTTPMethod } from 'find-my-way';
import type { Context } from 'koa';
import { AppError } from '../errors.js';

/** What the edge knows about the route a request took, for its logs and metrics. */
export interface RouteLabel {
  /** `rest` or `trpc` for the API, `service` for health, docs and the console. */
  wire: 'rest' | 'trpc' | 'service';
  /** The procedure path (`auth.login`), never a raw URL with ids; null before it is known. */
  operation: string | null;
}

export type Params = Readonly<Record<string, string | undefined>>;
export type RouteHandler = (ctx: Context, params: Params) => Promise<void> | void;

interface Route {
  handler: RouteHandler;
  label: RouteLabel;
}

declare module 'koa' {
  interface DefaultState {
    route?: RouteLabel;
  }
}

const KNOWN_METHODS: HTTPMethod[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

export class RouteTable {
  // A tRPC batch names its procedures in the path (`/trpc/a,b,c`): the wildcard may be long
  // (node's header limit bounds the whole URL anyway), and an over-long batch must reach tRPC
  // to be refused as one (400), not go missing (404).
  private readonly router = FindMyWay({ ignoreTrailingSlash: true, maxParamLength: 65_536 });

  add(methods: HTTPMethod[], path: string, handler: RouteHandler, label: RouteLabel): void {
    const route: Route = { handler, label };
    // What answers GET answers HEAD (Koa leaves the body out).
    const all: HTTPMethod[] = methods.includes('GET') ? [...methods, 'HEAD'] : methods;
    // find-my-way calls a handler itself only in `lookup`; the table keeps the route as store.
    this.router.on(all, path, () => undefined, route);
  }

  find(method: string, path: string): { route: Route; params: Params } | null {
    const found = this.router.find(method as HTTPMethod, path);
    return found ? { route: found.store as Route, params: found.params } : null;
  }

  /** The methods `path` answers, for a 405's Allow header; empty when nothing is there. */
  allowedMethods(path: string): HTTPMethod[] {
    return KNOWN_METHODS.filter((method) => this.router.find(method, path) !== null);
  }
}

/**
 * The last edge step: the route's handler, or 404, or 405 with the methods that would do. Not
 * async: the handler's own promise is the step's.
 */
export function dispatch(table: RouteTable) {
  return (ctx: Context): Promise<void> | void => {
    const found = table.find(ctx.method, ctx.path);
    if (!found) {
      const allowed = table.allowedMethods(ctx.path);
      if (!allowed.length) throw new AppError('NOT_FOUND');
      ctx.set('Allow', [...allowed, 'OPTIONS'].join(', '));
      // OPTIONS without CORS (a browser's preflight is the CORS step's): what the path allows.
      if (ctx.method === 'OPTIONS') {
        ctx.status = 200;
        ctx.body = '';
        return;
      }
      throw new AppError('METHOD_NOT_ALLOWED');
    }
    ctx.state.route = found.route.label;
    return found.route.handler(ctx, found.params);
  };
}
