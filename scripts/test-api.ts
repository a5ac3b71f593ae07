/**
 * `npm run test:api [-- --base-url http://host:port]`: drives a running service through every
 * documented REST endpoint in the order a real client would, one line per step, and exits
 * non-zero on any failure. HTTP only, so it works against a deployed instance too; it uses a
 * unique email per run and cleans up nothing it cannot.
 *
 * The reset step needs the reset link: pass `--mail-log <file>` (the service's console output,
 * e.g. `npm start | tee service.log`) or `--mailpit-url http://localhost:8025` (a local SMTP
 * catcher). Without either, the reset step is reported as skipped.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';

const { values: options } = parseArgs({
  options: {
    'base-url': { type: 'string', default: 'http://localhost:8000' },
    'mail-log': { type: 'string' },
    'mailpit-url': { type: 'string' },
    'timeout-ms': { type: 'string', default: '10000' },
  },
});

const baseUrl = options['base-url']!.replace(/\/+$/, '');
const timeoutMs = Number(options['timeout-ms']);
const useColor = process.stdout.isTTY;
const paint = (code: number, text: string) => (useColor ? `\u001b[${code}m${text}\u001b[0m` : text);

interface Reply {
  status: number;
  // The answer's JSON, read by key below; each step checks what it needs.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  ms: number;
}

async function call(method: string, path: string, body?: unknown, token?: string): Promise<Reply> {
  const started = performance.now();
  const response = await fetch(`${baseUrl}/api/auth/${path}`, {
    method,
    headers: {
      'Content-Type': 'application/json',
      'User-Agent': 'auth-service test:api',
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON: keep the text for the failure message.
  }
  return { status: response.status, body: parsed, ms: performance.now() - started };
}

let passed = 0;
let failed = 0;
let skipped = 0;

class StepFailure extends Error {}

function expectStatus(reply: Reply, status: number) {
  if (reply.status !== status) {
    const detail =
      typeof reply.body === 'object' && reply.body
        ? JSON.stringify(reply.body)
        : String(reply.body);
    throw new StepFailure(`expected ${status}, got ${reply.status}: ${detail.slice(0, 300)}`);
  }
}

function check(condition: unknown, message: string) {
  if (!condition) throw new StepFailure(message);
}

async function step(name: string, run: () => Promise<Reply | 'skipped'>) {
  const label = name.padEnd(34);
  try {
    const reply = await run();
    if (reply === 'skipped') {
      skipped += 1;
      console.log(
        `${paint(33, '-')} ${label} skipped (no mail source: pass --mail-log or --mailpit-url)`,
      );
      return;
    }
    passed += 1;
    console.log(
      `${paint(32, '✔')} ${label} ${reply.status}  ${reply.ms.toFixed(0).padStart(5)} ms`,
    );
  } catch (error) {
    failed += 1;
    console.log(`${paint(31, '✘')} ${label} ${(error as Error).message}`);
  }
}

async function readResetToken(email: string): Promise<string | null> {
  const pattern = /reset-password\?token=([A-Za-z0-9_%-]+)/g;
  if (options['mail-log']) {
    // The console transport prints each message as a block opened by "----- email" with a
    // "To:" line; take the newest reset link addressed to us.
    const log = await readFile(options['mail-log'], 'utf8');
    const ours = log.split('----- email').filter((block) => block.includes(`To: ${email}`));
    const matches = [...ours.join('\n').matchAll(pattern)];
    return matches.length ? decodeURIComponent(matches.at(-1)![1]!) : null;
  }
  if (options['mailpit-url']) {
    const api = options['mailpit-url'].replace(/\/+$/, '');
    const search = await fetch(`${api}/api/v1/search?query=${encodeURIComponent(`to:"${email}"`)}`);
    const { messages } = (await search.json()) as {
      messages: Array<{ ID: string; Subject: string }>;
    };
    for (const message of messages ?? []) {
      const full = (await (await fetch(`${api}/api/v1/message/${message.ID}`)).json()) as {
        Text: string;
        HTML: string;
      };
      const match = pattern.exec(`${full.Text}\n${full.HTML}`);
      pattern.lastIndex = 0;
      if (match) return decodeURIComponent(match[1]!);
    }
  }
  return null;
}

async function waitForResetToken(email: string): Promise<string | null> {
  // The outbox worker sends shortly after the request; give it a few seconds.
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const token = await readResetToken(email);
    if (token) return token;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return null;
}

async function main() {
  console.log(`auth-service API check against ${baseUrl}\n`);
  try {
    const health = await fetch(`${baseUrl}/health/`, { signal: AbortSignal.timeout(timeoutMs) });
    if (health.status !== 200)
      console.log(paint(33, `warning: /health/ answered ${health.status}`));
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    console.log(
      `${paint(31, '✘')} cannot reach ${baseUrl}: ${cause?.code ?? cause?.message ?? (error as Error).message}`,
    );
    console.log('\n0 passed, 1 failed');
    process.exit(1);
  }

  const email = `api-check-${Date.now().toString(36)}-${process.pid}@example.com`;
  const password = 'Api-Check-Password-42';
  const newPassword = 'Api-Check-Changed-73';
  const finalPassword = 'Api-Check-Reset-915';
  let access = '';
  let refresh = '';

  await step('POST register/', async () => {
    const reply = await call('POST', 'register/', {
      email,
      full_name: 'API Check',
      password,
      password_confirm: password,
    });
    expectStatus(reply, 201);
    check(reply.body.user?.email === email, 'the user object does not carry the email');
    ({ access, refresh } = reply.body.tokens);
    return reply;
  });

  await step('POST login/', async () => {
    const reply = await call('POST', 'login/', { email, password });
    expectStatus(reply, 200);
    ({ access, refresh } = reply.body.tokens);
    return reply;
  });

  await step('POST login/ (wrong password)', async () => {
    const reply = await call('POST', 'login/', { email, password: 'not-the-password' });
    expectStatus(reply, 401);
    check(reply.body.code === 'AUTHENTICATION_FAILED', `code ${reply.body.code}`);
    return reply;
  });

  await step('GET profile/', async () => {
    const reply = await call('GET', 'profile/', undefined, access);
    expectStatus(reply, 200);
    check(reply.body.email === email && reply.body.last_login, 'profile does not show the login');
    return reply;
  });

  await step('PATCH profile/update/', async () => {
    const reply = await call(
      'PATCH',
      'profile/update/',
      { full_name: 'API Check Renamed', is_staff: true },
      access,
    );
    expectStatus(reply, 200);
    check(reply.body.user.full_name === 'API Check Renamed', 'full_name did not change');
    check(reply.body.user.is_staff === false, 'a read-only field was applied');
    return reply;
  });

  await step('POST refresh/', async () => {
    const reply = await call('POST', 'refresh/', { refresh });
    expectStatus(reply, 200);
    ({ access, refresh } = reply.body);
    return reply;
  });

  await step('POST change-password/', async () => {
    const reply = await call(
      'POST',
      'change-password/',
      { current_password: password, new_password: newPassword, new_password_confirm: newPassword },
      access,
    );
    expectStatus(reply, 200);
    ({ access, refresh } = reply.body.tokens);
    return reply;
  });

  await step('POST forgot-password/', async () => {
    const reply = await call('POST', 'forgot-password/', { email });
    expectStatus(reply, 200);
    return reply;
  });

  await step('POST reset-password/', async () => {
    if (!options['mail-log'] && !options['mailpit-url']) return 'skipped';
    const token = await waitForResetToken(email);
    check(token, 'no reset link found in the mail source');
    const reply = await call('POST', 'reset-password/', {
      token,
      password: finalPassword,
      password_confirm: finalPassword,
    });
    expectStatus(reply, 200);
    const relogin = await call('POST', 'login/', { email, password: finalPassword });
    expectStatus(relogin, 200);
    ({ access, refresh } = relogin.body.tokens);
    return reply;
  });

  await step('POST logout/', async () => {
    const reply = await call('POST', 'logout/', { refresh }, access);
    expectStatus(reply, 200);
    return reply;
  });

  await step('GET profile/ after logout', async () => {
    const reply = await call('GET', 'profile/', undefined, access);
    expectStatus(reply, 401);
    check(reply.body.code === 'TOKEN_INVALID', `code ${reply.body.code}`);
    return reply;
  });

  console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  process.exit(failed ? 1 : 0);
}

main().catch((error: Error) => {
  console.error(`test:api crashed: ${error.message}`);
  process.exit(1);
});
