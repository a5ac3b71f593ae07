/**
 * The design's floor: the floor server's profile read (floor-server.ts) inside the parts this
 * service is built from and nothing else: Koa, a tRPC procedure with one authentication
 * middleware and a zod output, superjson on the tRPC wire, the read through Sequelize's pool
 * (db/prepared-read.ts). No edge steps, no services, no token cache. What it leaves of the
 * floor's rate is the price of the chosen stack; what the service leaves of it is the price
 * of the stack plus the service's own work (the edge, sessions, errors, telemetry).
 *
 *   GET /api/auth/profile/   the user as JSON (the REST wire)
 *   GET /trpc/profile.get    the same through the tRPC envelope and superjson
 *
 * Started by bench/run.ts (`--only design-floor`) with the floor's environment.
 */
import { initTRPC, TRPCError, type AnyTRPCProcedure } from '@trpc/server';
import Koa from 'koa';
import { createClient } from 'redis';
import superjson from 'superjson';
import { z } from 'zod';
import { connectDatabase } from '../db/connection.js';
import { preparedRead } from '../db/prepared-read.js';
import { entryUserId, floorTokens, required, sessionKey } from './floor-tokens.js';

const env = process.env;
const need = (name: string) => required(env, name);

const { verify } = floorTokens(env);
const KEY_PREFIX = env.REDIS_KEY_PREFIX ?? 'auth:';
const database = connectDatabase({
  url: need('DATABASE_URL'),
  poolMax: Number(env.DB_POOL_MAX ?? 10),
  poolMin: 0,
});
// As the floor: no per-command timeout (see floor-server.ts).
const redis = createClient({ url: need('REDIS_URL'), commandOptions: { timeout: 0 } });
redis.on('error', () => undefined);

const USER_BY_ID = {
  name: 'design-floor.user-by-id',
  text: 'SELECT id, email, full_name, is_verified, is_staff, created_at, last_login FROM users WHERE id = $1',
};
const User = z.object({
  id: z.string(),
  email: z.string(),
  full_name: z.string(),
  is_verified: z.boolean(),
  is_staff: z.boolean(),
  created_at: z.date(),
  last_login: z.date().nullable(),
});

const t = initTRPC.context<{ authorization: string }>().create({ transformer: superjson });
const authenticated = t.procedure.use(async ({ ctx, next }) => {
  const claims = verify(ctx.authorization.slice('Bearer '.length), 'access');
  if (!claims) throw new TRPCError({ code: 'UNAUTHORIZED' });
  if (entryUserId(await redis.get(sessionKey(KEY_PREFIX, claims.sid))) !== claims.user_id) {
    throw new TRPCError({ code: 'UNAUTHORIZED' });
  }
  return next({ ctx: { userId: claims.user_id } });
});
const router = t.router({
  profile: t.router({
    get: authenticated.output(User).query(async ({ ctx }) => {
      const [user] = await preparedRead<z.infer<typeof User>>(database.sequelize, USER_BY_ID, [
        ctx.userId,
      ]);
      if (!user) throw new TRPCError({ code: 'UNAUTHORIZED' });
      return user;
    }),
  }),
});
// Called as the service calls a procedure (server/http/procedure-call.ts): found once, no
// caller proxy per request.
const profileGet = (router._def.procedures as unknown as Record<string, AnyTRPCProcedure>)[
  'profile.get'
]!;
const noInput = async () => undefined;

const app = new Koa();
app.use(async (ctx) => {
  if (ctx.path === '/health') {
    ctx.body = { status: 'healthy' };
    return;
  }
  const trpc = ctx.path === '/trpc/profile.get';
  if (!trpc && ctx.path !== '/api/auth/profile/') {
    ctx.status = 404;
    ctx.body = { code: 'NOT_FOUND' };
    return;
  }
  try {
    const user = await profileGet({
      path: 'profile.get',
      type: 'query',
      ctx: { authorization: ctx.get('authorization') },
      getRawInput: noInput,
      signal: undefined,
      batchIndex: 0,
    });
    ctx.body = trpc ? { result: { data: superjson.serialize(user) } } : user;
  } catch (error) {
    if (!(error instanceof TRPCError) || error.code !== 'UNAUTHORIZED') throw error;
    ctx.status = 401;
    ctx.body = { code: 'TOKEN_INVALID' };
  }
});

await redis.connect();
const server = app.listen(Number(need('PORT')), env.HOST ?? '127.0.0.1', () => {
  process.send?.({ listening: true });
});
server.keepAliveTimeout = 65_000;

process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void Promise.allSettled([database.close(), redis.quit()]).then(() => process.exit(0));
});
