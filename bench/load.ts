/**
 * One load generator in its own process, so two loads at once (reads during a login flood) do
 * not share an event loop, and the runner's bookkeeping never slows a load. bench/run.ts forks
 * this file, sends a LoadSpec over IPC and receives a LoadResult, per load. Plain reads go
 * through wrk when it is installed (bench/wrk.ts), everything else through autocannon.
 */
import autocannon from 'autocannon';
import { hostCpu, treeCpuMilliseconds } from './processes.js';
import { runWrk, wrkVersion } from './wrk.js';

export interface LoadSpec {
  title: string;
  url: string;
  method: 'GET' | 'POST';
  connections: number;
  durationSeconds: number;
  /** The status that counts as success (401 for a wrong-password flood); others are errors. */
  expectStatus: number;
  /** Statuses that are neither success nor error (503 from a full hash queue during a flood). */
  tolerateStatuses?: number[];
  timeoutSeconds?: number;
  /** Bearer tokens, one per connection (round robin). */
  bearerTokens?: string[];
  /** JSON bodies, one per connection (round robin). */
  bodies?: unknown[];
  /** A JSON body per request, `{n}` replaced by a number unique within this load. */
  uniqueBody?: string;
  /** Refresh-token chains, one per connection: each response's `refresh` is sent next. */
  refreshTokens?: string[];
  /** Count 503 responses without a Retry-After header (needs a per-response hook). */
  checkRetryAfter?: boolean;
  /** The server's pid (a cluster's primary counts with its workers): its CPU is measured. */
  serverPid?: number;
  /** Several processes serving together (instances and their balancer): their CPU is summed. */
  serverPids?: number[];
}

export interface LoadResult {
  title: string;
  ok: number;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  statusCodes: Record<string, number>;
  unavailableWithoutRetryAfter: number;
  /** Server CPU time per successful request, in µs (when the spec names the server's pid). */
  cpuMicrosPerRequest?: number;
  /** How many cores the server kept busy, on average, during the load. */
  serverCores?: number;
  /** The share of the whole machine's CPU that was busy during the load (0 to 1). */
  hostBusy?: number;
  generator: 'wrk' | 'autocannon';
}

/** What a load generator counted, before the server's CPU is added. */
type Counted = Omit<LoadResult, 'cpuMicrosPerRequest' | 'serverCores' | 'hostBusy'>;

/** A plain authenticated GET, and wrk installed (BENCH_LOAD=autocannon keeps autocannon). */
const suitsWrk = (spec: LoadSpec) =>
  process.env.BENCH_LOAD !== 'autocannon' &&
  spec.method === 'GET' &&
  spec.expectStatus === 200 &&
  spec.bearerTokens?.length &&
  !spec.bodies &&
  !spec.uniqueBody &&
  !spec.refreshTokens &&
  !spec.checkRetryAfter &&
  wrkVersion() !== null;

async function withWrk(spec: LoadSpec): Promise<Counted> {
  const counted = await runWrk({
    url: spec.url,
    connections: spec.connections,
    durationSeconds: spec.durationSeconds,
    timeoutSeconds: spec.timeoutSeconds ?? 30,
    bearerTokens: spec.bearerTokens!,
  });
  const ok = counted.requests - counted.failedStatuses;
  return {
    title: spec.title,
    ok,
    requestsPerSecond: ok / counted.seconds,
    p50: counted.p50Ms,
    p99: counted.p99Ms,
    errors: counted.failedStatuses + counted.socketErrors,
    statusCodes: { [String(spec.expectStatus)]: ok, '>=400': counted.failedStatuses },
    unavailableWithoutRetryAfter: 0,
    generator: 'wrk',
  };
}

/** Runs the load and measures the server's CPU, and the machine's, around it. */
async function run(spec: LoadSpec): Promise<LoadResult> {
  const pids = spec.serverPids ?? (spec.serverPid ? [spec.serverPid] : []);
  const serverCpuNow = () => pids.reduce((sum, pid) => sum + treeCpuMilliseconds(pid), 0);
  const serverCpuBefore = serverCpuNow();
  const hostBefore = hostCpu();
  const started = performance.now();
  const counted = await (suitsWrk(spec) ? withWrk(spec) : withAutocannon(spec));
  const host = hostCpu();
  const serverCpu = pids.length ? serverCpuNow() - serverCpuBefore : NaN;
  return {
    ...counted,
    cpuMicrosPerRequest: (serverCpu * 1000) / Math.max(1, counted.ok),
    serverCores: serverCpu / (performance.now() - started),
    hostBusy: (host.busy - hostBefore.busy) / (host.total - hostBefore.total),
  };
}

type Client = Parameters<NonNullable<autocannon.Options['setupClient']>>[0];

function withAutocannon(spec: LoadSpec): Promise<Counted> {
  const json = { 'content-type': 'application/json' };
  let nextConnection = 0;
  let unique = 0;
  let unavailableWithoutRetryAfter = 0;
  const onResponse = spec.checkRetryAfter
    ? (status: number, _body: string, _context: object, headers?: Record<string, unknown>) => {
        if (status === 503 && !headers?.['retry-after'] && !headers?.['Retry-After'])
          unavailableWithoutRetryAfter += 1;
      }
    : undefined;

  // Per-connection state lives in closures made here: autocannon resets its own `context`
  // each time a connection starts over its request list, which with one request is every time.
  const setupClient = (client: Client) => {
    const index = nextConnection++;
    const pick = <T>(list: T[]) => list[index % list.length]!;
    if (spec.refreshTokens) {
      let token = pick(spec.refreshTokens);
      client.setRequests([
        {
          method: 'POST',
          headers: json,
          setupRequest: (request) => ({ ...request, body: JSON.stringify({ refresh: token }) }),
          onResponse: (status, body) => {
            if (status === 200) token = (JSON.parse(body) as { refresh: string }).refresh;
          },
        },
      ]);
      return;
    }
    const headers: Record<string, string> = spec.method === 'POST' ? { ...json } : {};
    if (spec.bearerTokens) headers.authorization = `Bearer ${pick(spec.bearerTokens)}`;
    const body = spec.bodies ? JSON.stringify(pick(spec.bodies)) : undefined;
    client.setRequests([
      {
        method: spec.method,
        headers,
        ...(body === undefined ? {} : { body }),
        ...(spec.uniqueBody
          ? {
              setupRequest: (request) => ({
                ...request,
                body: spec.uniqueBody!.replaceAll('{n}', `${process.pid}-${unique++}`),
              }),
            }
          : {}),
        ...(onResponse ? { onResponse } : {}),
      },
    ]);
  };

  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: spec.url,
        method: spec.method,
        connections: spec.connections,
        duration: spec.durationSeconds,
        timeout: spec.timeoutSeconds ?? 30,
        setupClient,
      },
      (error, result) => {
        if (error) return reject(error);
        const statusCodes: Record<string, number> = {};
        let answered = 0;
        for (const [status, stats] of Object.entries(result.statusCodeStats ?? {})) {
          statusCodes[status] = (stats as { count: number }).count;
          answered += statusCodes[status];
        }
        const ok = statusCodes[String(spec.expectStatus)] ?? 0;
        const tolerated = (spec.tolerateStatuses ?? []).reduce(
          (sum, status) => sum + (statusCodes[String(status)] ?? 0),
          0,
        );
        resolve({
          title: spec.title,
          ok,
          requestsPerSecond: ok / result.duration,
          p50: result.latency.p50,
          p99: result.latency.p99,
          errors: answered - ok - tolerated + result.errors,
          statusCodes,
          unavailableWithoutRetryAfter,
          generator: 'autocannon',
        });
      },
    );
  });
}

// One load per message, one at a time; the runner ends the process when it is done with it.
process.on('message', (spec: LoadSpec) => {
  run(spec).then(
    (result) => process.send!({ result }),
    (error: Error) => process.send!({ error: error.message }),
  );
});
