/**
 * After the faults: every write the load was told succeeded is there, and nothing is half-done.
 * Registrations are looked up in the database; password changes are proven by logging in with
 * the new password; logouts by refusing the ended session's refresh token.
 */
import type { Ack } from './load-generator.js';
import type { Scenario } from './scenario.js';

export interface AcknowledgedProblems {
  checked: number;
  problems: string[];
}

export async function checkAcknowledged(scenario: Scenario, acks: readonly Ack[]) {
  const problems: string[] = [];
  const registered = acks.flatMap((ack) => (ack.ack === 'register' ? [ack.email] : []));
  const found = await scenario.query<{ email: string }>(
    'SELECT email FROM users WHERE email = ANY($1)',
    [registered],
  );
  const present = new Set(found.map((row) => row.email));
  for (const email of registered)
    if (!present.has(email)) problems.push(`lost registration ${email}`);

  // The last acknowledged password of each account is the one that must work, unless a change
  // sent after it went unanswered: that one may have committed before the process died.
  const passwords = new Map<string, string[]>();
  for (const ack of acks) {
    if (ack.ack === 'password') passwords.set(ack.email, [ack.password]);
    if (ack.ack === 'password unanswered') passwords.get(ack.email)?.push(ack.password);
  }
  for (const [email, candidates] of passwords) {
    const statuses: number[] = [];
    for (const password of candidates) {
      statuses.push(await post(scenario, '/api/auth/login/', { email, password }));
      if (statuses.at(-1) === 200) break;
    }
    if (statuses.at(-1) !== 200) {
      problems.push(`password change of ${email} lost (login ${statuses.join(', ')})`);
    }
  }
  for (const ack of acks) {
    if (ack.ack !== 'logout') continue;
    const status = await post(scenario, '/api/auth/refresh/', { refresh: ack.refresh });
    if (status !== 401) problems.push(`logout lost: its refresh token answered ${status}`);
  }
  problems.push(...(await halfDone(scenario)));
  return { checked: registered.length + passwords.size + acks.length, problems };
}

/** Rows a failed or cut request must never leave behind. */
export async function halfDone(scenario: Scenario): Promise<string[]> {
  const problems: string[] = [];
  const withoutActivity = await scenario.query<{ email: string }>(
    `SELECT email FROM users u WHERE NOT EXISTS (SELECT 1 FROM activity_logs a WHERE a.user_id = u.id)`,
  );
  for (const row of withoutActivity) problems.push(`user ${row.email} without its activity entry`);
  const withoutToken = await scenario.query<{ id: string }>(
    `SELECT id FROM sessions s WHERE NOT EXISTS (SELECT 1 FROM refresh_tokens r WHERE r.session_id = s.id)`,
  );
  for (const row of withoutToken)
    problems.push(`session ${row.id} without its first refresh token`);
  return problems;
}

async function post(scenario: Scenario, path: string, body: unknown): Promise<number> {
  const response = await fetch(scenario.service.baseUrl + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  await response.arrayBuffer();
  return response.status;
}
