/**
 * Generated garbage against every operation of the OpenAPI document, over REST and tRPC
 * (fuzz/requests.ts), sent to the real service: no 5xx, every error in the contract's envelope,
 * no hang, and the service's memory back near its baseline afterwards.
 *
 *   FUZZ_REQUESTS (default 100000)  how many requests
 *   FUZZ_SEED                       the seed (printed at the start; a failure prints it too)
 *   FUZZ_ONLY=<chunk>:<index>       replays one request of that seed
 *   FUZZ_MAX_SECONDS (default 300)  stops sending after this, so a slow machine cannot stretch
 *                                   the suite past its CI budget (the figures then say so)
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { buildOpenApiDocument } from '../../server/http/openapi.js';
import { SERVICE_VERSION } from '../../server/http/routes.js';
import { routerShape } from '../../server/routers/_app.js';
import { record } from './figures.js';
import { answerProblem } from './fuzz/envelope.js';
import { fuzzRequests, type Credentials, type FuzzRequest } from './fuzz/requests.js';
import { startScenario, type Scenario } from './scenario.js';
import { sleep } from './timing.js';

const TOTAL = Number(process.env.FUZZ_REQUESTS ?? 100_000);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const ONLY = process.env.FUZZ_ONLY;
const MAX_SECONDS = Number(process.env.FUZZ_MAX_SECONDS ?? 300);
const CHUNK = 1000;
const IN_FLIGHT = 12;
const HANG_MS = 10_000;
const PASSWORD = 'Correct-Horse-Battery-9';

async function signIn(scenario: Scenario, email: string): Promise<string> {
  const base = scenario.service.baseUrl;
  const body = { email, full_name: 'Fuzz', password: PASSWORD, password_confirm: PASSWORD };
  await fetch(`${base}/api/auth/register/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  // Re-activated and re-promoted each time: a generated request may have changed either.
  await scenario.query('UPDATE users SET is_active = true WHERE email = $1', [email]);
  if (email.startsWith('staff')) {
    await scenario.query('UPDATE users SET is_staff = true WHERE email = $1', [email]);
  }
  const response = await fetch(`${base}/api/auth/login/`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: PASSWORD }),
  });
  const login = (await response.json()) as { tokens?: { access: string } };
  if (!login.tokens) throw new Error(`could not sign ${email} in: ${JSON.stringify(login)}`);
  return login.tokens.access;
}

const oversize = (request: FuzzRequest) =>
  request.path.length + JSON.stringify(request.headers).length > 16_000 ||
  (request.body?.length ?? 0) > 1024 * 1024;

function describeRequest(request: FuzzRequest) {
  const body =
    request.body === undefined ? '' : ` body ${JSON.stringify(request.body.slice(0, 300))}`;
  return `${request.label}: ${request.method} ${request.path.slice(0, 300)} ${JSON.stringify(request.headers).slice(0, 300)}${body}`;
}

describe('resilience: generated requests against every operation', function () {
  this.timeout(900_000);
  let scenario: Scenario | undefined;

  after(async () => {
    await scenario?.close();
  });

  it(`answers ${TOTAL} generated requests (REST and tRPC) without a 5xx, always in the envelope, memory back near its baseline`, async () => {
    scenario = await startScenario('fuzz', { HASH_QUEUE_LIMIT: '10000' });
    const s = scenario;
    const document = buildOpenApiDocument(routerShape, SERVICE_VERSION);
    const credentials: Credentials = { user: '', staff: '' };
    const refreshCredentials = async () => {
      credentials.user = await signIn(s, 'fuzz-user@example.com');
      credentials.staff = await signIn(s, 'staff-fuzz@example.com');
    };
    await refreshCredentials();
    // Tokens are read when a chunk is generated, so each chunk gets the current ones.
    const arbitrary = () => fuzzRequests(document, { ...credentials });
    console.log(`      fuzz seed ${SEED} (replay: FUZZ_SEED=${SEED} FUZZ_ONLY=<chunk>:<index>)`);

    const failures: string[] = [];
    const byStatus: Record<string, number> = {};
    let longestMs = 0;
    let sent = 0;
    const send = async (request: FuzzRequest, where: string) => {
      const started = Date.now();
      let problem: string | null;
      try {
        const response = await fetch(s.service.baseUrl + request.path, {
          method: request.method,
          headers: request.headers,
          body: request.body,
          signal: AbortSignal.timeout(HANG_MS),
        });
        const text = await response.text();
        byStatus[response.status] = (byStatus[response.status] ?? 0) + 1;
        problem = answerProblem(
          request,
          response.status,
          response.headers.get('content-type'),
          text,
        );
        if (problem) problem += ` ${text.slice(0, 200)}`;
      } catch (error) {
        const name = (error as Error).name;
        // fetch refuses some generated requests itself (a header it will not send): not ours.
        if (name === 'TypeError' && !(error as { cause?: unknown }).cause) return;
        // Past node's 16 KB of request line and headers, or the body limit, the service answers
        // 400 or 413 and closes while the client still sends: the client may see only the close.
        if (name === 'TypeError' && oversize(request)) {
          byStatus['closed (oversize)'] = (byStatus['closed (oversize)'] ?? 0) + 1;
          sent += 1;
          return;
        }
        problem =
          name === 'TimeoutError'
            ? `no answer within ${HANG_MS} ms`
            : `${name}: ${(error as Error).message}`;
      }
      sent += 1;
      longestMs = Math.max(longestMs, Date.now() - started);
      if (problem && failures.length < 20) {
        failures.push(
          `${problem}\n        ${describeRequest(request)}\n        replay: FUZZ_SEED=${SEED} FUZZ_ONLY=${where}`,
        );
      }
    };

    const chunks = Math.ceil(TOTAL / CHUNK);
    const onlyChunk = ONLY ? Number(ONLY.split(':')[0]) : undefined;
    let baselineMb = 0;
    const started = Date.now();
    let capped = false;
    for (let chunk = 0; chunk < chunks; chunk += 1) {
      if (onlyChunk !== undefined && chunk !== onlyChunk) continue;
      if (Date.now() - started > MAX_SECONDS * 1000) {
        capped = true;
        break;
      }
      if (chunk % 10 === 0) await refreshCredentials();
      const requests = fc.sample(arbitrary(), { seed: SEED + chunk, numRuns: CHUNK });
      let next = 0;
      const worker = async () => {
        while (next < requests.length) {
          const index = next++;
          if (ONLY && `${chunk}:${index}` !== ONLY) continue;
          await send(requests[index]!, `${chunk}:${index}`);
        }
      };
      await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
      if (chunk === 1) baselineMb = s.residentMb();
    }
    const seconds = (Date.now() - started) / 1000;
    await sleep(3000); // idle: let the service settle before its memory is read again
    const afterMb = s.residentMb();
    record({
      scenario: 'fuzzer (OpenAPI, REST and tRPC)',
      requests: sent,
      byStatus,
      longestMs,
      notes: `seed ${SEED}; ${Math.round(sent / seconds)} req/s;${capped ? ` stopped at FUZZ_MAX_SECONDS=${MAX_SECONDS} after ${sent} of ${TOTAL};` : ''} RSS ${baselineMb} MB after 2000 requests, ${afterMb} MB at the end`,
    });
    expect(failures, failures.join('\n      ')).to.deep.equal([]);
    if (!ONLY) {
      if (!capped) expect(sent).to.be.at.least(TOTAL * 0.95);
      // Back near the baseline: heap growth that a GC returns is allowed, a leak per request is not.
      expect(afterMb, 'RSS after the run (MB)').to.be.below(baselineMb * 1.5 + 64);
    }
  });
});
