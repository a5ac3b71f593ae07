/**
 * The tRPC context, kept narrow on purpose: its type travels inside `AppRouter` into the client
 * SDK's declarations (comments included), so it holds plain request facts only, never a
 * service, database, cache or web-framework type (tRPC issue 5004).
 */
import type { ErrorCode } from '../errors.js';
import type { RateLimitedAction } from '../lib/rate-limit/types.js';
import type { Origin } from '../repositories/types.js';

/** What the edge knows of a request (http/request-context.ts); services see its Origin part. */
export interface RequestInfo extends Origin {
  /** The client IP per the TRUST_PROXY rule; never taken from a header by default. */
  ip: string;
  requestId: string;
  authorization: string | null;
}

/**
 * What every call starts from: the request's facts, nothing else. The app's services reach the
 * procedures through the router's factory (routers/_app.ts), not through the context, so the
 * type `AppRouter` (and with it the client SDK's declarations) carries no backend type.
 */
export function createRequestContext(request: RequestInfo) {
  return { request };
}

export type RequestContext = ReturnType<typeof createRequestContext>;

/**
 * Who may call a procedure: anyone, the holder of a live session's access token, or staff. Set
 * by the builder the procedure is made from (init.ts), never by the procedure itself.
 */
export type Guard = 'public' | 'authenticated' | 'staff';

/** What the REST bridge and the tRPC adapter know about a route, taken from procedure meta. */
export interface RouteMeta {
  /** Set by publicProcedure, authedProcedure or staffProcedure (init.ts). */
  guard?: Guard;
  openapi?: {
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
    path: `/${string}`;
    summary?: string;
    description?: string;
    tags?: string[];
    /** Status of a successful REST response when it is not 200 (201 for register). */
    successStatus?: number;
    /** Extra methods served by the same procedure on REST (PATCH beside PUT). */
    alsoMethods?: Array<'PUT' | 'PATCH' | 'POST' | 'DELETE'>;
    /** Error statuses beyond those of its kind, e.g. the 401 of a public credential check. */
    errorResponses?: Record<number, string>;
    /**
     * The catalogue codes a status answers with, for the document's examples, when not the
     * default: the status's codes in the catalogue, and for 401 a missing or invalid token.
     */
    errorCodes?: Partial<Record<number, ErrorCode[]>>;
  };
  /** Which rate limits guard this procedure, on both wire formats (trpc/rate-limit.ts). */
  rateLimit?: RateLimitedAction;
}
