/** The authenticated REST read against one started service: warm the sessions, warm up, load. */
import type { LoadResult } from './load.js';
import { runLoad, type Started } from './processes.js';
import { warmSessions } from './seed.js';

export interface RestReadSettings {
  connections: number;
  seconds: number;
  warmupSeconds: number;
}

/** A started service, or a balancer with the pids of what serves behind it (CPU summed). */
export type ReadTarget = Started | { url: string; pids: number[] };

/** The processes whose CPU a load against `target` is charged with. */
export const servingPids = (target: ReadTarget) =>
  'pids' in target ? target.pids : [target.child.pid!];

export async function measureRestRead(
  target: ReadTarget,
  title: string,
  tokens: string[],
  settings: RestReadSettings,
): Promise<LoadResult> {
  await warmSessions(target.url, tokens);
  const spec = {
    title,
    url: `${target.url}/api/auth/profile/`,
    method: 'GET' as const,
    connections: settings.connections,
    durationSeconds: settings.seconds,
    expectStatus: 200,
    bearerTokens: tokens,
  };
  if (settings.warmupSeconds)
    await runLoad({ ...spec, title: 'warm-up', durationSeconds: settings.warmupSeconds });
  return runLoad({ ...spec, serverPids: servingPids(target) });
}
