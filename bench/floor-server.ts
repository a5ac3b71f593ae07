/**
 * The floor: a bare `node:http` server doing only what each operation cannot avoid, so the
 * benchmark can say how close the service comes to it. No framework, no validation library,
 * no ORM, no semaphore in front of scrypt (so it shows what an unguarded thread pool does
 * under a login flood).
 *
 *   GET  /profile   HS256 verify, one Redis GET (the service's session key), one PK SELECT
 *   POST /login     one SELECT by email, one scrypt verification, one INSERT, two signatures
 *   POST /register  one scrypt hash, one INSERT, two signatures
 *   POST /refresh   HS256 verify, one transaction (consume + insert), two signatures
 *
 * It verifies the service's own access tokens and reads the session state the service caches
 * in Redis, so both servers are driven with the very same tokens against the same rows.
 * Started by bench/run.ts with the service's settings in its environment.
 */
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import pg from 'pg';
import { createClient } from 'redis';
import { entryUserId, floorTokens, required, sessionKey } from './floor-tokens.js';

const env = process.env;
const need = (name: string) => required(env, name);

const { sign, verify } = floorTokens(env);
const KEY_PREFIX = env.REDIS_KEY_PREFIX ?? 'auth:';
const scryptParams = {
  N: 2 ** Number(env.SCRYPT_LOG_N ?? 16),
  r: Number(env.SCRYPT_R ?? 8),
  p: Number(env.SCRYPT_P ?? 2),
  maxmem: 1024 * 1024 * 1024,
};
const scryptAsync = promisify(scrypt) as (
  password: string,
  salt: Buffer,
  length: number,
  options: typeof scryptParams,
) => Promise<Buffer>;

const pool = new pg.Pool({
  connectionString: need('DATABASE_URL'),
  max: Number(env.DB_POOL_MAX ?? 10),
});
// Without node-redis's own command timeout: it costs an AbortSignal.timeout per command, whose
// timer outlives the reply and fires five seconds later with a DOMException, reply or not. That
// is work no read needs, and it lands whenever the timer runs out, on whichever server's turn
// it is. (The service bounds its commands with a timer it clears at the reply.)
const redis = createClient({ url: need('REDIS_URL'), commandOptions: { timeout: 0 } });
redis.on('error', () => undefined);

// Login checks one known password (the benchmark's) against a key made once, at start-up.
const loginSalt = randomBytes(32);
const rightKey = await scryptAsync(need('BENCH_PASSWORD'), loginSalt, 64, scryptParams);

function send(res: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<Record<string, string>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, string>;
}

function pair(userId: string, sid: string, refreshJti: string) {
  return {
    access: sign({ token_type: 'access', user_id: userId, sid, jti: newId() }, 900),
    refresh: sign({ token_type: 'refresh', user_id: userId, sid, jti: refreshJti }, 7 * 86_400),
  };
}

const newId = () => randomBytes(16).toString('base64url');

async function profile(req: IncomingMessage, res: ServerResponse) {
  const claims = verify((req.headers.authorization ?? '').slice('Bearer '.length), 'access');
  if (!claims) return send(res, 401, { code: 'TOKEN_INVALID' });
  if (entryUserId(await redis.get(sessionKey(KEY_PREFIX, claims.sid))) !== claims.user_id) {
    return send(res, 401, { code: 'TOKEN_INVALID' });
  }
  const { rows } = await pool.query({
    name: 'user-by-id',
    text: 'SELECT id, email, full_name, is_verified, is_staff, created_at, last_login FROM users WHERE id = $1',
    values: [claims.user_id],
  });
  if (!rows[0]) return send(res, 401, { code: 'TOKEN_INVALID' });
  send(res, 200, rows[0]);
}

async function login(req: IncomingMessage, res: ServerResponse) {
  const { email = '', password = '' } = await readJson(req);
  const { rows } = await pool.query<{ id: string }>({
    name: 'user-by-email',
    text: 'SELECT id FROM users WHERE email = $1',
    values: [email],
  });
  const derived = await scryptAsync(password, loginSalt, 64, scryptParams);
  const user = rows[0];
  if (!user || !timingSafeEqual(derived, rightKey)) return send(res, 401, { code: 'FAILED' });
  const jti = newId();
  await pool.query({
    name: 'insert-refresh',
    text: 'INSERT INTO bench_floor_refresh (id, user_id) VALUES ($1, $2)',
    values: [jti, user.id],
  });
  send(res, 200, { tokens: pair(user.id, jti, jti) });
}

async function register(req: IncomingMessage, res: ServerResponse) {
  const { email = '', full_name = '', password = '' } = await readJson(req);
  const salt = randomBytes(32);
  const derived = await scryptAsync(password, salt, 64, scryptParams);
  const { rows } = await pool.query<{ id: string }>({
    name: 'insert-user',
    text: 'INSERT INTO users (email, full_name, password_hash) VALUES ($1, $2, $3) RETURNING id',
    values: [email, full_name, `${salt.toString('base64')}$${derived.toString('base64')}`],
  });
  const jti = newId();
  send(res, 201, { tokens: pair(rows[0]!.id, jti, jti) });
}

async function refresh(req: IncomingMessage, res: ServerResponse) {
  const claims = verify((await readJson(req)).refresh ?? '', 'refresh');
  if (!claims) return send(res, 401, { code: 'TOKEN_INVALID' });
  const client = await pool.connect();
  const next = newId();
  try {
    await client.query('BEGIN');
    const consumed = await client.query({
      name: 'consume-refresh',
      text: 'UPDATE bench_floor_refresh SET consumed_at = now() WHERE id = $1 AND consumed_at IS NULL RETURNING user_id',
      values: [claims.jti],
    });
    if (!consumed.rowCount) {
      await client.query('ROLLBACK');
      return send(res, 401, { code: 'TOKEN_INVALID' });
    }
    await client.query({
      name: 'insert-refresh',
      text: 'INSERT INTO bench_floor_refresh (id, user_id) VALUES ($1, $2)',
      values: [next, claims.user_id],
    });
    await client.query('COMMIT');
  } finally {
    client.release();
  }
  send(res, 200, pair(claims.user_id, claims.sid, next));
}

const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => Promise<void>> = {
  'GET /profile': profile,
  'POST /login': login,
  'POST /register': register,
  'POST /refresh': refresh,
  'GET /health': async (_req, res) => send(res, 200, { status: 'healthy' }),
};

await redis.connect();
await pool.query(
  `CREATE TABLE IF NOT EXISTS bench_floor_refresh (
     id text PRIMARY KEY, user_id uuid NOT NULL, consumed_at timestamptz)`,
);

const server = createServer((req, res) => {
  const handler = routes[`${req.method} ${req.url}`];
  if (!handler) return send(res, 404, { code: 'NOT_FOUND' });
  handler(req, res).catch((error: Error) => {
    if (!res.headersSent) send(res, 500, { code: 'INTERNAL_ERROR', detail: error.message });
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(need('PORT')), env.HOST ?? '127.0.0.1', () => {
  process.send?.({ listening: true });
});

process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void Promise.allSettled([pool.end(), redis.quit()]).then(() => process.exit(0));
});
