/**
 * One running auth-service for a test suite: the real service (the same dependencies, edge and
 * procedures production runs), in this process, on a free loopback port, with mail captured
 * and time under the test's control. See docs/testing-kit.md.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import {
  createAuthClient,
  type AuthClient,
  type AuthClientOptions,
} from '../../client-sdk/src/index.js';
import { createHttpHandler } from '../../server/app.js';
import { loadConfig } from '../../server/config/index.js';
import { buildDependencies, type Dependencies } from '../../server/deps.js';
import { createLogger } from '../../server/lib/logger.js';
import { ScryptPasswordHasher } from '../../server/lib/password-hasher.js';
import { TestClock } from './clock.js';
import { Mailbox } from './mailbox.js';
import { expectStatus, restRequest, type KitResponse, type RequestOptions } from './rest.js';
import { openKitStores, type KitStores } from './stores.js';
import { enableTotp, type TotpDevice } from './totp.js';

export interface StartOptions {
  /** Service settings by their environment names (`JWT_ACCESS_TOKEN_LIFETIME`, `RATE_LIMIT_ENABLED`, ...). */
  env?: Record<string, string>;
  /** A PostgreSQL server to use instead of the embedded one (default: `TEST_DATABASE_URL`). */
  databaseUrl?: string;
  /** A Redis to use instead of the in-process store (default: `TEST_REDIS_URL`). */
  redisUrl?: string;
}

export interface TokenPair {
  access: string;
  refresh: string;
}

/** A user as the service shows it (the REST shape). */
export interface KitUser {
  id: string;
  email: string;
  full_name: string;
  is_verified: boolean;
  is_staff: boolean;
  created_at: string;
  last_login: string | null;
}

export interface CreatedUser {
  user: KitUser;
  email: string;
  password: string;
  /** A live session's tokens, as a login gives them. */
  tokens: TokenPair;
  /** With `totp: true`: the secret, the recovery codes and the current code. */
  totp: TotpDevice | null;
}

const createUserOptions = z
  .object({
    email: z.email({ error: 'email: expected an email address' }).optional(),
    password: z.string().optional(),
    fullName: z.string().min(1).max(255).optional(),
    verified: z.boolean().default(true),
    staff: z.boolean().default(false),
    superuser: z.boolean().default(false),
    totp: z.boolean().default(false),
  })
  .strict();

export type CreateUserOptions = z.input<typeof createUserOptions>;

// Cheap hashing: a test suite logs in hundreds of times; the cost is not what it tests.
const TEST_SCRYPT = { logN: 10, r: 8, p: 1 };
const running = new Set<AuthServiceKit>();

/** Kits started and not yet closed (the Mocha hooks close what a suite left running). */
export const runningKits = (): ReadonlySet<AuthServiceKit> => running;

export class AuthServiceKit {
  readonly clock: TestClock;
  readonly mailbox: Mailbox;
  /** `http://127.0.0.1:<port>`: the REST paths are under `/api/auth/`, tRPC under `/trpc`. */
  readonly url: string;
  readonly startedAt = new Date();
  private userCount = 0;

  private constructor(
    private readonly deps: Dependencies,
    private readonly server: Server,
    private readonly stores: KitStores,
    parts: { clock: TestClock; mailbox: Mailbox; url: string },
  ) {
    this.clock = parts.clock;
    this.mailbox = parts.mailbox;
    this.url = parts.url;
  }

  static async start(options: StartOptions = {}): Promise<AuthServiceKit> {
    const stores = await openKitStores({
      databaseUrl: options.databaseUrl ?? process.env.TEST_DATABASE_URL,
      redisUrl: options.redisUrl ?? process.env.TEST_REDIS_URL,
    });
    try {
      const config = loadConfig({
        NODE_ENV: 'test',
        SECRET_KEY: randomBytes(48).toString('base64url'),
        FRONTEND_URL: 'http://app.test',
        LOG_LEVEL: 'silent',
        RATE_LIMIT_ENABLED: 'false',
        ...stores.env,
        ...options.env,
      });
      const clock = new TestClock();
      const mailbox = new Mailbox();
      const deps = await buildDependencies(config, {
        database: stores.database,
        ...(stores.cache ? { cache: stores.cache } : {}),
        clock,
        mailer: mailbox.mailer,
        logger: createLogger({ level: config.logLevel, pretty: false }),
        hasher: new ScryptPasswordHasher(TEST_SCRYPT, { concurrency: 2, queueLimit: 1000 }),
      });
      // The signing keys (JWT_ALGORITHM in options.env may ask for a key pair), as the service loads them.
      await deps.services.signingKeys.start();
      const server = createServer(createHttpHandler(deps));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      const kit = new AuthServiceKit(deps, server, stores, {
        clock,
        mailbox,
        url: `http://127.0.0.1:${port}`,
      });
      running.add(kit);
      return kit;
    } catch (error) {
      await stores.close();
      throw error;
    }
  }

  /** What it runs on, for a suite's first line of output. */
  get description(): string {
    return `auth-service at ${this.url} on ${this.stores.description}`;
  }

  /** The typed SDK client, pointed at this instance (memory token storage unless given). */
  client(options: Partial<AuthClientOptions> = {}): AuthClient {
    return createAuthClient({ url: `${this.url}/trpc`, ...options });
  }

  /** A REST call: `request('login/', { body })`, `request('profile/', { token })`. */
  request<Body = unknown>(path: string, options?: RequestOptions): Promise<KitResponse<Body>> {
    return restRequest<Body>(`${this.url}/api/auth`, path, options);
  }

  /** A user that can log in, with a live token pair. Verified unless `verified: false`. */
  async createUser(options: CreateUserOptions = {}): Promise<CreatedUser> {
    const parsed = createUserOptions.safeParse(options);
    if (!parsed.success) {
      throw new TypeError(`createUser(): ${parsed.error.issues.map((i) => i.message).join('; ')}`);
    }
    const wanted = parsed.data;
    this.userCount += 1;
    const email =
      wanted.email ?? `user${this.userCount}-${randomBytes(3).toString('hex')}@example.test`;
    const password = wanted.password ?? `Kit-${randomBytes(12).toString('base64url')}`;
    const fullName = wanted.fullName ?? `Test User ${this.userCount}`;
    const accounts = this.deps.services.accounts;
    const problems = accounts.passwordProblems(password, { email, fullName });
    if (problems.length) {
      throw new TypeError(`createUser(): the service refuses this password: ${problems.join(' ')}`);
    }

    let tokens: TokenPair;
    if (wanted.superuser) {
      await accounts.createSuperuser({ email, fullName, password });
      tokens = await this.login(email, password);
    } else {
      const registered = await this.request('register/', {
        body: { email, full_name: fullName, password, password_confirm: password },
      });
      const answer = expectStatus(registered, 201, 'createUser(): register') as {
        user: KitUser;
        tokens: TokenPair;
      };
      tokens = answer.tokens;
      const changes = { isVerified: wanted.verified, isStaff: wanted.staff };
      await accounts.update(answer.user.id, changes, { kind: 'operator' });
    }
    const profile = await this.request<KitUser>('profile/', { token: tokens.access });
    const user = expectStatus(profile, 200, 'createUser(): profile');
    const totp = wanted.totp
      ? await enableTotp(this.request.bind(this), this.clock, tokens.access, password)
      : null;
    return { user, email, password, tokens, totp };
  }

  /**
   * A new session for the account: its token pair. For an account with TOTP on, pass the
   * code too (`user.totp.code()`, or a recovery code): the kit does both steps.
   */
  async login(email: string, password: string, code?: string): Promise<TokenPair> {
    const answer = await this.request('login/', { body: { email, password } });
    const result = expectStatus(answer, 200, `login(${email})`) as
      { tokens: TokenPair } | { mfa_required: true; mfa_token: string };
    if ('tokens' in result) return result.tokens;
    if (!code) {
      throw new TypeError(`login(${email}): the account has two-factor login on; pass its code`);
    }
    const finished = await this.request('login/mfa/', {
      body: { mfa_token: result.mfa_token, code },
    });
    return (expectStatus(finished, 200, `login(${email}) with a code`) as { tokens: TokenPair })
      .tokens;
  }

  /** Rotates the refresh token: the new pair (the old refresh token is spent). */
  async refresh(tokens: TokenPair | string): Promise<TokenPair> {
    const refresh = typeof tokens === 'string' ? tokens : tokens.refresh;
    return expectStatus(
      await this.request<TokenPair>('refresh/', { body: { refresh } }),
      200,
      'refresh()',
    );
  }

  /** Ends the session the tokens belong to. */
  async logout(tokens: TokenPair): Promise<void> {
    const answer = await this.request('logout/', {
      body: { refresh: tokens.refresh },
      token: tokens.access,
    });
    expectStatus(answer, 200, 'logout()');
  }

  /** Ends every session of the user at once, as "log out everywhere" does. */
  async revokeAllSessions(user: { id: string }): Promise<number> {
    return (await this.deps.services.sessions.revoke({ userId: user.id }, 'logout_all')).length;
  }

  /** Deactivates the account, as staff would: its sessions end, its logins fail. */
  async deactivate(user: { id: string }): Promise<void> {
    await this.deps.services.accounts.deactivate(user.id, { kind: 'operator', force: true });
  }

  /** The user id an access token stands for now, or null if the service would refuse it. */
  async accessTokenUser(token: string): Promise<string | null> {
    try {
      return (await this.deps.services.sessions.authenticate(`Bearer ${token}`)).userId;
    } catch {
      return null;
    }
  }

  /** Back to an empty service between tests: no users, no keys, no mail, the real time. */
  async reset(): Promise<void> {
    await this.stores.reset();
    this.mailbox.clear();
    this.clock.set(new Date());
  }

  async close(): Promise<void> {
    if (!running.delete(this)) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.deps.close();
    await this.stores.close();
  }
}

export const startAuthService = (options?: StartOptions) => AuthServiceKit.start(options);
