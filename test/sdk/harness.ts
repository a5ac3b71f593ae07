/**
 * The in-process server on a real port, and SDK clients that record what they send: the SDK
 * speaks HTTP, so these tests go over the wire rather than through the tRPC caller.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createAuthClient,
  memoryTokenStore,
  type AuthClient,
  type AuthClientOptions,
  type TokenPair,
  type TokenStore,
} from '../../client-sdk/src/index.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { ManualClock } from '../helpers/clock.js';

export interface LiveServer {
  testApp: TestApp;
  clock: ManualClock;
  url: string;
  close(): Promise<void>;
}

/** The app with one-minute access tokens and a clock the test moves, listening on 127.0.0.1:0. */
export async function startLiveServer(env: Record<string, string> = {}): Promise<LiveServer> {
  const clock = new ManualClock();
  const testApp = await createTestApp({
    env: { JWT_ACCESS_TOKEN_LIFETIME: '1', ...env },
    overrides: { clock },
  });
  const server: Server = createServer(testApp.handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    testApp,
    clock,
    url: `http://127.0.0.1:${port}/trpc`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Every procedure any SDK client in this run sent (the coverage check reads it). */
export const drivenProcedures = new Set<string>();

export interface RecordingClient {
  client: AuthClient;
  store: TokenStore;
  /** Procedure paths in the order the SDK sent them over HTTP. */
  calls: string[];
  /** What `onSessionChange` heard. */
  sessionChanges: Array<TokenPair | null>;
  count(path: string): number;
}

export function recordingClient(
  url: string,
  options: Partial<AuthClientOptions> = {},
): RecordingClient {
  const calls: string[] = [];
  const sessionChanges: Array<TokenPair | null> = [];
  const store = options.storage ?? memoryTokenStore();
  const client = createAuthClient({
    url,
    storage: store,
    fetch: (input, init) => {
      const { pathname } = new URL(String(input));
      const path = decodeURIComponent(pathname.replace(/^\/trpc\//, ''));
      calls.push(path);
      drivenProcedures.add(path);
      return (options.fetch ?? fetch)(input, init);
    },
    onSessionChange: (tokens) => {
      sessionChanges.push(tokens);
      options.onSessionChange?.(tokens);
    },
  });
  return {
    client,
    store,
    calls,
    sessionChanges,
    count: (path) => calls.filter((call) => call === path).length,
  };
}
