/**
 * The router's shape and its type, for what reads the procedures' schemas and meta without
 * calling them: the client SDK's types (`AppRouter`), the OpenAPI check, `npm run routes`,
 * tests. Kept apart from createAppRouter so that nothing exported here mentions a service:
 * the SDK's declaration build reads this module and everything its declarations name.
 */
import type { Services } from '../services/index.js';
import { createAppRouter } from './app-router.js';

/** Services for a router that is read and never called: any use is a bug, and says so. */
const unwired = new Proxy({} as Services, {
  get(_target, name) {
    throw new Error(`services.${String(name)} used by the router's shape, which is never called`);
  },
});

/**
 * The router's shape: its procedures with their schemas and meta, for what reads them without
 * calling them (the client SDK's types, the OpenAPI check, `npm run routes`, tests).
 */
export const routerShape = createAppRouter(unwired);

export type AppRouter = typeof routerShape;
