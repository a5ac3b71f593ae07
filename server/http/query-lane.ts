/**
 * The query lane: plain GET reads of query procedures (the authenticated profile read, the
 * sessions and activity lists), served straight from node's request event, in front of Koa.
 *
 * The read is the request a client makes most, and Koa's eleven layers plus tRPC's fetch adapter
 * (a WHATWG Request, Response and stream per call) cost more CPU than the read itself. The lane
 * calls the very same procedure (its middleware, guards and output schema) and answers with the
 * same status, body and headers as the full stack; it takes only the requests whose answer
 * needs nothing else: GET, no body, no Origin (CORS stays with Koa), an allowed Host, and for
 * tRPC a single call (no batch, no streaming). Everything else, including input it cannot
 * parse, falls through to Koa untouched, so every edge case keeps its one implementation.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQueryString } from 'node:querystring';
import {
  getTRPCErrorFromUnknown,
  getTRPCErrorShape,
  transformTRPCResponse,
  type AnyTRPCProcedure,
  type AnyTRPCRouter,
} from '@trpc/server';
import type { Logger } from '../lib/logger.js';
import type { Context, RequestInfo } from '../trpc/context.js';
import { toAppError, toWireError } from '../trpc/error-mapping.js';
import { rateLimitResponseHeaders } from '../trpc/rate-limit.js';
import { logAccess } from './access-log.js';
import type { HostCheck } from './allowed-hosts.js';
import { logServerError } from './error-boundary.js';
import { hasBody } from './json-body.js';
import { queryInput, restRoutes } from './rest-bridge.js';
import type { HeaderList } from './security-headers.js';
import { logTRPCFailure } from './trpc-handler.js';

/** Takes the request and answers it (true), or leaves it to the next handler (false). */
export type RequestLane = (request: IncomingMessage, response: ServerResponse) => boolean;

type WireHeaders = Readonly<Record<string, string>>;

interface LaneRoute {
  wire: 'rest' | 'trpc';
  procedurePath: string;
  procedure: AnyTRPCProcedure;
  /** Every header but the per-response ones, as one object made once (see `send`). */
  headers: WireHeaders;
}

/** The same strings the Koa stack sends (koa's JSON body, tRPC's adapter with CORS's Vary). */
const REST_HEADERS = { Vary: 'Origin', 'Content-Type': 'application/json; charset=utf-8' };
const TRPC_HEADERS = { Vary: 'trpc-accept, accept, Origin', 'Content-Type': 'application/json' };

function laneRoutes(
  router: AnyTRPCRouter,
  restPrefix: string,
  trpcPrefix: string,
  headersFor: (path: string) => HeaderList,
) {
  // The headers every answer of a route carries, as one object made once: handed to writeHead
  // whole, node writes them without building its header map first.
  const headersOf = (path: string, wire: WireHeaders): WireHeaders => ({
    ...Object.fromEntries(headersFor(path)),
    ...wire,
  });
  const routes = new Map<string, LaneRoute>();
  const procedures = router._def.procedures as Record<string, AnyTRPCProcedure>;
  for (const route of restRoutes(router)) {
    // Path parameters need the router's matching; those reads stay with Koa.
    if (route.method !== 'GET' || route.path.includes('{')) continue;
    const path = `${restPrefix}${route.path}`;
    const entry: LaneRoute = {
      wire: 'rest',
      procedurePath: route.procedurePath,
      procedure: procedures[route.procedurePath]!,
      headers: headersOf(path, REST_HEADERS),
    };
    routes.set(path, entry);
    routes.set(path.replace(/\/$/, ''), entry);
  }
  for (const [procedurePath, procedure] of Object.entries(procedures)) {
    if (procedure._def.type !== 'query') continue;
    const path = `${trpcPrefix}/${procedurePath}`;
    routes.set(path, {
      wire: 'trpc',
      procedurePath,
      procedure,
      headers: headersOf(path, TRPC_HEADERS),
    });
  }
  return routes;
}

export function createQueryLane(options: {
  router: AnyTRPCRouter;
  restPrefix: string;
  trpcPrefix: string;
  describeRequest: (request: IncomingMessage) => RequestInfo;
  createContext: (request: RequestInfo) => Context;
  hostAllowed: HostCheck;
  /** The same edge headers Koa sends for a path (security headers, no-store where private). */
  headersFor: (path: string) => HeaderList;
  logger: Logger;
}): RequestLane {
  const { router, logger } = options;
  const routes = laneRoutes(router, options.restPrefix, options.trpcPrefix, options.headersFor);
  const trpcConfig = router._def._config;
  const NO_INPUT = Symbol('no input');

  /** The procedure's input from the query string, or NO_INPUT when Koa should decide. */
  function readInput(route: LaneRoute, query: string): unknown {
    if (route.wire === 'rest') {
      return query ? queryInput(parseQueryString(query)) : undefined;
    }
    if (!query) return undefined;
    const params = new URLSearchParams(query);
    const raw = params.get('input');
    // `batch`, `connectionParams` or anything else: tRPC's own handler knows what they mean.
    if (raw === null || [...params.keys()].length !== 1) return NO_INPUT;
    if (raw === '') return undefined;
    try {
      return trpcConfig.transformer.input.deserialize(JSON.parse(raw));
    } catch {
      return NO_INPUT; // tRPC's handler answers the parse error
    }
  }

  function send(
    response: ServerResponse,
    status: number,
    request: RequestInfo,
    wireHeaders: WireHeaders,
    extraHeaders: WireHeaders | undefined,
    body: string,
  ) {
    response.writeHead(status, {
      'X-Request-Id': request.requestId,
      ...wireHeaders,
      ...extraHeaders,
      'Content-Length': Buffer.byteLength(body),
    });
    response.end(body);
  }

  async function answer(
    route: LaneRoute,
    path: string,
    input: unknown,
    httpRequest: IncomingMessage,
    response: ServerResponse,
  ) {
    const logging = logger.isLevelEnabled('info');
    const startedAt = logging ? performance.now() : 0;
    const request = options.describeRequest(httpRequest);
    const ctx = options.createContext(request);
    let status = 200;
    try {
      // The procedure itself, found once at start-up (callTRPCProcedure looks it up by path).
      const output: unknown = await route.procedure({
        path: route.procedurePath,
        type: 'query',
        ctx,
        getRawInput: async () => input,
        signal: undefined,
        batchIndex: 0,
      });
      const body =
        route.wire === 'rest'
          ? JSON.stringify(output)
          : JSON.stringify(transformTRPCResponse(trpcConfig, { result: { data: output } }));
      send(response, status, request, route.headers, undefined, body);
    } catch (thrown) {
      if (route.wire === 'rest') {
        const appError = toAppError(thrown);
        const wire = toWireError(appError);
        status = wire.status;
        if (status >= 500) logServerError(logger, appError, request.requestId, path);
        send(response, status, request, route.headers, wire.headers, JSON.stringify(wire.body));
      } else {
        const error = getTRPCErrorFromUnknown(thrown);
        logTRPCFailure(logger, error, route.procedurePath, request.requestId);
        const shape = getTRPCErrorShape({
          config: trpcConfig,
          error,
          type: 'query',
          path: route.procedurePath,
          input,
          ctx,
        });
        status = (shape.data as { httpStatus: number }).httpStatus;
        const body = JSON.stringify(transformTRPCResponse(trpcConfig, { error: shape }));
        send(response, status, request, route.headers, rateLimitResponseHeaders([error]), body);
      }
    }
    if (logging) {
      logAccess(logger, {
        requestId: request.requestId,
        method: 'GET',
        path,
        status,
        startedAt,
        ip: request.ip,
      });
    }
  }

  return (request, response) => {
    if (request.method !== 'GET' || request.headers.origin !== undefined || hasBody(request)) {
      return false;
    }
    const url = request.url ?? '';
    const queryAt = url.indexOf('?');
    const path = queryAt === -1 ? url : url.slice(0, queryAt);
    const route = routes.get(path);
    if (!route || !options.hostAllowed(request)) return false;
    if (route.wire === 'trpc' && request.headers['trpc-accept'] !== undefined) return false;
    const input = readInput(route, queryAt === -1 ? '' : url.slice(queryAt + 1));
    if (input === NO_INPUT) return false;
    answer(route, path, input, request, response).catch((error: unknown) => {
      // Only a failure to write the answer gets here; the socket is of no more use.
      logger.error({ err: error, path }, 'query lane failed');
      response.destroy();
    });
    return true;
  };
}
