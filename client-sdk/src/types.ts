/**
 * The server's types, reached by `import type` only: the build inlines them into the
 * declaration file, and no server code ships in the package. New procedures appear here
 * (and on the client) as soon as the server's `AppRouter` has them.
 */
import type {
  AnyTRPCProcedure,
  inferRouterError,
  inferRouterInputs,
  inferRouterOutputs,
} from '@trpc/server';
import type { AppRouter } from '../../server/routers/_app.js';

export type { AppRouter };

/** The dotted paths of a router record's procedures: `'auth.login' | 'profile.get' | ...`. */
type PathsOf<Record> = {
  [Key in keyof Record & string]: Record[Key] extends AnyTRPCProcedure
    ? Key
    : `${Key}.${PathsOf<Record[Key]>}`;
}[keyof Record & string];

/** Every procedure of the server, by the path a call names: a rename fails to compile. */
export type ProcedurePath = PathsOf<AppRouter['_def']['record']>;

/** Every procedure's input, e.g. `RouterInputs['auth']['register']` for a sign-up form. */
export type RouterInputs = inferRouterInputs<AppRouter>;
/** Every procedure's output, e.g. `RouterOutputs['profile']['get']`. */
export type RouterOutputs = inferRouterOutputs<AppRouter>;

/** The user object (dates arrive as `Date`). */
export type User = RouterOutputs['profile']['get'];
/** An access token and the refresh token that renews it. */
export type TokenPair = RouterOutputs['auth']['refresh'];
export type LoginInput = RouterInputs['auth']['login'];
export type RegisterInput = RouterInputs['auth']['register'];
/**
 * What `auth.login` answers: signed in (`AuthResult`), or, with TOTP on, an `MfaChallenge` to
 * finish with `auth.loginMfa`. A union on purpose: reading `.tokens` or `.user` without first
 * telling the two apart (`needsSecondFactor(result)`, or `'mfa_required' in result`) does not
 * compile, so no caller forgets the second step.
 */
export type LoginResult = RouterOutputs['auth']['login'];
/** Signed in: the user and the new pair (`auth.register`, `auth.loginMfa`, a plain login). */
export type AuthResult = RouterOutputs['auth']['loginMfa'];
/** The password was right and a code is due: pass `mfa_token` to `auth.loginMfa` with it. */
export type MfaChallenge = Extract<LoginResult, { mfa_required: true }>;
export type MfaLoginInput = RouterInputs['auth']['loginMfa'];
/** Whether TOTP is on and how many recovery codes are left. */
export type MfaStatus = RouterOutputs['mfa']['status'];

/** The stable codes of the server's error catalogue: switch on these, never on messages. */
export type ServerErrorCode = inferRouterError<AppRouter>['data']['appCode'];
/** A server code, or `NETWORK_ERROR` when no answer from the server arrived. */
export type AuthErrorCode = ServerErrorCode | 'NETWORK_ERROR';
/** Messages per request field, as the server reports them (`non_field_errors` for the whole body). */
export type FieldErrors = Record<string, string[]>;

/** The staff API's shapes, for consoles and back-office tools. */
export type AdminUser = RouterOutputs['admin']['listUsers']['results'][number];
export type AdminUserDetail = RouterOutputs['admin']['getUser'];
export type AdminUserQuery = RouterInputs['admin']['listUsers'];
export type AdminActivityEntry = RouterOutputs['admin']['userActivity']['results'][number];
/** One session (one login) of a user. */
export type Session = RouterOutputs['sessions']['list']['results'][number];
/** The actions an activity log records and can be filtered by. */
export type ActivityAction = NonNullable<RouterInputs['admin']['userActivity']['action']>;
/** How the staff users list sorts: `-` for newest first. */
export type UserOrdering = NonNullable<Exclude<AdminUserQuery, void>['ordering']>;
