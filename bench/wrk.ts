/**
 * The read loads through wrk (C, epoll) when it is installed: on a machine whose cores the
 * service, the floor, PostgreSQL, Redis and the load generator all share, autocannon's own
 * JavaScript costs a large part of a core per load and takes it from whatever it measures.
 * wrk sends the same requests for a fraction of that, so the figures say more about the server.
 *
 * Only plain GETs with a bearer token per request go through here (what a profile read is);
 * logins, registrations and refresh chains need per-response logic and stay on autocannon.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface WrkRead {
  url: string;
  connections: number;
  durationSeconds: number;
  timeoutSeconds: number;
  bearerTokens: string[];
}

export interface WrkResult {
  requests: number;
  /** Responses with a status of 400 or more (wrk counts them, without telling which). */
  failedStatuses: number;
  /** Connect, read, write errors and timeouts. */
  socketErrors: number;
  seconds: number;
  p50Ms: number;
  p99Ms: number;
}

let version: string | null | undefined;

/** wrk's version when it is on PATH, else null (looked up once). */
export function wrkVersion(): string | null {
  if (version !== undefined) return version;
  try {
    // `wrk -v` prints its banner and exits 1.
    execFileSync('wrk', ['-v'], { stdio: 'pipe', timeout: 5000 });
    version = 'unknown';
  } catch (error) {
    const output = String((error as { stdout?: Buffer }).stdout ?? '');
    version = /wrk (\S+)/.exec(output)?.[1] ?? null;
  }
  return version;
}

// One request per token, formatted once; `request` hands them out in turn, so no string is
// built per request. `done` reports in JSON on stdout (latencies are in µs).
const script = (path: string, tokens: string[]) => `
local tokens = { ${tokens.map((token) => JSON.stringify(token)).join(', ')} }
local requests = {}
local turn = 0
init = function()
  for i, token in ipairs(tokens) do
    requests[i] = wrk.format("GET", ${JSON.stringify(path)}, { ["Authorization"] = "Bearer " .. token })
  end
end
request = function()
  turn = turn % #requests + 1
  return requests[turn]
end
done = function(summary, latency)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"durationMicros":%d,"status":%d,"socket":%d,"p50":%d,"p99":%d}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
`;

export function runWrk(read: WrkRead): Promise<WrkResult> {
  const url = new URL(read.url);
  const directory = mkdtempSync(join(tmpdir(), 'bench-wrk-'));
  const scriptFile = join(directory, 'reads.lua');
  writeFileSync(scriptFile, script(url.pathname + url.search, read.bearerTokens));
  const args = [
    '-t1', // one thread: the second core belongs to what is measured
    `-c${read.connections}`,
    `-d${read.durationSeconds}s`,
    `--timeout`,
    `${read.timeoutSeconds}s`,
    '-s',
    scriptFile,
    url.origin,
  ];
  return new Promise((resolve, reject) => {
    execFile(
      'wrk',
      args,
      { timeout: (read.durationSeconds + 30) * 1000 },
      (error, stdout, stderr) => {
        rmSync(directory, { recursive: true, force: true });
        const line = stdout.split('\n').find((each) => each.startsWith('{"requests"'));
        if (error || !line) return reject(new Error(`wrk failed: ${error?.message ?? stderr}`));
        const parsed = JSON.parse(line) as Record<string, number>;
        resolve({
          requests: parsed.requests!,
          failedStatuses: parsed.status!,
          socketErrors: parsed.socket!,
          seconds: parsed.durationMicros! / 1e6,
          p50Ms: parsed.p50! / 1000,
          p99Ms: parsed.p99! / 1000,
        });
      },
    );
  });
}
