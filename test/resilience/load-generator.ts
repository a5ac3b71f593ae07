/**
 * The steady mixed load of the resilience suite, run in a process of its own (so the service's
 * and the load's event loops never share a core's time slice unknowingly):
 *
 *   node --import tsx test/resilience/load-generator.ts '<json LoadOptions>'
 *
 * Each worker registers an account, then loops until the duration is over: authenticated reads
 * over REST and tRPC, refreshes, logins, registrations, logouts (each followed by a read with
 * the ended session's access token, which must be refused), password changes. Every answer is a
 * line of JSON in `output` (an `Answer`); every write answered 2xx is a line too (an `Ack`), for
 * the checks after the faults, and so is a password change that reached the server and was
 * never answered. Every request gives up after `hangMs` (recorded as status 0).
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';

export interface LoadOptions {
  baseUrl: string;
  durationMs: number;
  workers: number;
  /** Pause between one worker's requests: the load is steady, not a flood. */
  pauseMs: number;
  hangMs: number;
  output: string;
}

export interface Answer {
  /** When the request was sent (epoch ms) and how long its answer took. */
  t: number;
  ms: number;
  op: string;
  status: number;
  /** The envelope's `code` (REST) or `appCode` (tRPC), when the answer was an error. */
  code?: string;
  retryAfter?: boolean;
}

export type Ack =
  | { ack: 'register'; email: string }
  | { ack: 'password'; email: string; password: string }
  /**
   * A change sent to the server that never answered (the process died under it, or it hung):
   * it may have committed or not, so either password may be the account's now.
   */
  | { ack: 'password unanswered'; email: string; password: string }
  | { ack: 'logout'; refresh: string };

interface Tokens {
  access: string;
  refresh: string;
}

interface Reply {
  status: number;
  body: unknown;
  /** Without an answer: whether the request may have reached the server (not refused). */
  reached?: boolean;
}

type Json = Record<string, unknown>;

const PASSWORD = () => `Resilient-${randomBytes(6).toString('hex')}-9`;

export async function runLoad(options: LoadOptions): Promise<void> {
  const out = createWriteStream(options.output);
  const write = (line: Answer | Ack) => out.write(`${JSON.stringify(line)}\n`);
  const deadline = Date.now() + options.durationMs;

  async function call(
    op: string,
    method: string,
    path: string,
    body?: unknown,
    token?: string,
  ): Promise<Reply> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers.authorization = `Bearer ${token}`;
    const t = Date.now();
    try {
      const response = await fetch(options.baseUrl + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(options.hangMs),
      });
      const text = await response.text();
      const parsed: unknown = text ? JSON.parse(text) : null;
      const answer: Answer = { t, ms: Date.now() - t, op, status: response.status };
      if (response.status >= 400) {
        answer.code = errorCode(parsed);
        answer.retryAfter = response.headers.has('retry-after');
      }
      write(answer);
      return { status: response.status, body: parsed };
    } catch (error) {
      const code = (error as Error).name === 'TimeoutError' ? 'HANG' : 'NETWORK';
      write({ t, ms: Date.now() - t, op, status: 0, code });
      const refused = (error as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED';
      return { status: 0, body: null, reached: !refused };
    }
  }

  const trpcData = (reply: Reply) =>
    (reply.body as { result?: { data?: { json?: Json } } } | null)?.result?.data?.json;

  async function worker(index: number) {
    let email = '';
    let password = PASSWORD();
    let tokens: Tokens | undefined;

    const register = async (wire: 'rest' | 'trpc'): Promise<Tokens | undefined> => {
      const candidate = `load-${index}-${randomBytes(5).toString('hex')}@example.com`;
      const input = {
        email: candidate,
        full_name: 'Load Worker',
        password,
        password_confirm: password,
      };
      const reply =
        wire === 'rest'
          ? await call('register', 'POST', '/api/auth/register/', input)
          : await call('register', 'POST', '/trpc/auth.register', { json: input });
      if (reply.status !== 201 && reply.status !== 200) return undefined;
      write({ ack: 'register', email: candidate });
      const data = (wire === 'rest' ? reply.body : trpcData(reply)) as { tokens?: Tokens };
      email = candidate;
      return data?.tokens;
    };
    const login = async () => {
      const reply = await call('login', 'POST', '/api/auth/login/', { email, password });
      if (reply.status === 200) tokens = (reply.body as { tokens: Tokens }).tokens;
    };

    while (!tokens && Date.now() < deadline) {
      tokens = await register('rest');
      if (!tokens) await pause(200);
    }
    let step = 0;
    while (tokens && Date.now() < deadline) {
      step += 1;
      const roll = (step * 7 + index * 13) % 100; // a fixed mix, interleaved across workers
      if (roll < 30) {
        await call('read-rest', 'GET', '/api/auth/profile/', undefined, tokens.access);
      } else if (roll < 50) {
        await call('read-trpc', 'GET', '/trpc/profile.get', undefined, tokens.access);
      } else if (roll < 57) {
        await call('read-trpc', 'GET', '/trpc/sessions.list', undefined, tokens.access);
      } else if (roll < 67) {
        const reply = await call('refresh', 'POST', '/api/auth/refresh/', {
          refresh: tokens.refresh,
        });
        if (reply.status === 200) tokens = reply.body as Tokens;
      } else if (roll < 77) {
        await login();
      } else if (roll < 87) {
        // A new account of its own; the worker keeps using the one it has.
        const own = { email, password, tokens };
        await register(step % 2 ? 'rest' : 'trpc');
        ({ email, password, tokens } = own);
      } else if (roll < 95) {
        const ended = tokens;
        const reply = await call(
          'logout',
          'POST',
          '/api/auth/logout/',
          { refresh: ended.refresh },
          ended.access,
        );
        if (reply.status === 200) {
          write({ ack: 'logout', refresh: ended.refresh });
          // The session is over: its access token must be refused from now on.
          await call('revoked-read', 'GET', '/api/auth/profile/', undefined, ended.access);
          tokens = undefined;
          while (!tokens && Date.now() < deadline) {
            await login();
            if (!tokens) await pause(200);
          }
        }
      } else {
        const next = PASSWORD();
        const reply = await call(
          'change-password',
          'POST',
          '/api/auth/change-password/',
          { current_password: password, new_password: next, new_password_confirm: next },
          tokens.access,
        );
        if (reply.status === 200) {
          password = next;
          write({ ack: 'password', email, password });
          tokens = (reply.body as { tokens: Tokens }).tokens;
        } else if (reply.reached) {
          write({ ack: 'password unanswered', email, password: next });
        }
      }
      await pause(options.pauseMs);
    }
  }

  await Promise.all(Array.from({ length: options.workers }, (_, index) => worker(index)));
  await new Promise<void>((resolve) => out.end(resolve));
}

function errorCode(body: unknown): string | undefined {
  const rest = body as { code?: unknown } | null;
  if (typeof rest?.code === 'string') return rest.code;
  const trpc = body as { error?: { json?: { data?: { appCode?: unknown } } } } | null;
  const appCode = trpc?.error?.json?.data?.appCode;
  return typeof appCode === 'string' ? appCode : undefined;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

if (import.meta.url === `file://${process.argv[1]}`) {
  await runLoad(JSON.parse(process.argv[2] ?? '{}') as LoadOptions);
}
