/**
 * Builds the real app on the test database and Redis, with the overrides tests need: a
 * recording mailer, a controllable clock, a cheap scrypt cost and a fixed secret.
 */
import type { RequestListener } from 'node:http';
import supertest from 'supertest';
import { createHttpHandler } from '../../server/app.js';
import type { EdgeStep } from '../../server/http/edge.js';
import { loadConfig, type Config } from '../../server/config/index.js';
import {
  buildDependencies,
  type Dependencies,
  type DependencyOverrides,
} from '../../server/deps.js';
import { createLogger } from '../../server/lib/logger.js';
import { ScryptPasswordHasher } from '../../server/lib/password-hasher.js';
import { createAppRouter } from '../../server/routers/app-router.js';
import { createRequestContext, type RequestInfo } from '../../server/trpc/context.js';
import { createCallerFactory } from '../../server/trpc/init.js';
import { testEnvironment } from '../setup.js';
import { recordErrorResponses } from './error-envelopes.js';
import { RecordingMailer } from './recording-mailer.js';

export const TEST_SECRET_KEY = 'test-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz';
export const TEST_SCRYPT = { logN: 10, r: 8, p: 1 };

export function testConfig(environment: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    SECRET_KEY: TEST_SECRET_KEY,
    SCRYPT_LOG_N: String(TEST_SCRYPT.logN),
    SCRYPT_R: String(TEST_SCRYPT.r),
    SCRYPT_P: String(TEST_SCRYPT.p),
    FRONTEND_URL: 'http://frontend.test',
    LOG_LEVEL: 'silent',
    // Suites log in and register many times from 127.0.0.1; the rate-limit suites switch it on.
    RATE_LIMIT_ENABLED: 'false',
    ...environment,
  });
}

export interface TestApp {
  /** The server's request handler, as production runs it. */
  handler: RequestListener;
  deps: Dependencies;
  config: Config;
  mailer: RecordingMailer;
  http: () => supertest.Agent;
  /** The tRPC caller, as a client with these credentials and address would reach it. */
  caller: (request?: Partial<RequestInfo>) => Caller;
}

const callerFactory = (deps: Dependencies) => createCallerFactory(createAppRouter(deps.services));
type Caller = ReturnType<ReturnType<typeof callerFactory>>;

export async function createTestApp(
  options: {
    env?: Record<string, string>;
    overrides?: DependencyOverrides;
    /** Observer steps added to the edge after its access log (server/http/edge.ts). */
    extraEdgeSteps?: readonly EdgeStep[];
  } = {},
): Promise<TestApp> {
  const environment = testEnvironment();
  const config = testConfig(options.env);
  const mailer = new RecordingMailer();
  const deps = await buildDependencies(config, {
    database: environment.database,
    cache: environment.cache,
    mailer,
    logger: createLogger({ level: 'silent', pretty: false }),
    hasher: new ScryptPasswordHasher(config.passwords.scrypt, { concurrency: 2, queueLimit: 1000 }),
    ...options.overrides,
  });
  await deps.services.signingKeys.start();
  const handler = createHttpHandler(deps, { extraEdgeSteps: options.extraEdgeSteps });
  const callback = recordErrorResponses(handler);
  const createCaller = callerFactory(deps);
  return {
    handler,
    deps,
    config,
    mailer,
    http: () => supertest.agent(callback),
    caller: (request = {}) =>
      createCaller(
        createRequestContext({
          ip: '127.0.0.1',
          userAgent: 'test-caller',
          requestId: 'test',
          authorization: null,
          ...request,
        }),
      ),
  };
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
