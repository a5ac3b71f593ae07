/**
 * Chai assertions in the service's terms:
 *
 *   expect(response).to.be.authError('TOKEN_INVALID')         // a REST answer or an SDK error
 *   await expect(token).to.be.aValidAccessTokenFor(user)      // the service would accept it now
 *
 * `chai.use(authServiceAssertions)` once (the Mocha hooks do it for you).
 */
import { runningKits } from './kit.js';

interface ErrorEnvelope {
  code?: unknown;
  detail?: unknown;
}

/**
 * The contract's error code carried by an answer: a REST response (`body`, or `data` as axios
 * names it) holding the envelope, an SDK error (its own `code`), or the envelope itself.
 */
function errorCodeOf(value: unknown): { code: unknown; status: unknown } {
  if (typeof value !== 'object' || value === null) return { code: undefined, status: undefined };
  const candidate = value as {
    body?: ErrorEnvelope;
    data?: ErrorEnvelope;
    code?: unknown;
    status?: unknown;
  };
  if (typeof candidate.code === 'string') return { code: candidate.code, status: candidate.status };
  const envelope = candidate.body ?? candidate.data;
  return { code: envelope?.code, status: candidate.status };
}

async function userOfToken(token: unknown): Promise<string | null> {
  if (typeof token !== 'string') return null;
  for (const kit of runningKits()) {
    const userId = await kit.accessTokenUser(token);
    if (userId) return userId;
  }
  return null;
}

export function authServiceAssertions(chai: Chai.ChaiStatic, utils: Chai.ChaiUtils): void {
  utils.addMethod(
    chai.Assertion.prototype,
    'authError',
    function (this: Chai.AssertionStatic, code: string) {
      const { code: actual, status } = errorCodeOf(this._obj);
      this.assert(
        actual === code,
        `expected an auth error ${code}, got ${String(actual ?? 'no error code')}${status ? ` (status ${String(status)})` : ''}`,
        `expected anything but the auth error ${code}`,
        code,
        actual,
      );
    },
  );

  utils.addMethod(
    chai.Assertion.prototype,
    'aValidAccessTokenFor',
    async function (this: Chai.AssertionStatic, user: { id: string }) {
      const userId = await userOfToken(this._obj);
      this.assert(
        userId === user.id,
        userId
          ? `expected an access token of user ${user.id}, but it belongs to ${userId}`
          : `expected an access token the service accepts for user ${user.id}, but it is refused (expired, revoked, or not one of its tokens)`,
        `expected the service to refuse the access token, but it is valid for user ${user.id}`,
      );
    },
  );
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Chai {
    interface Assertion {
      /** The answer (REST response, SDK error or envelope) carries this contract error code. */
      authError(code: string): Assertion;
      /** The service accepts this access token for `user` right now; await it. */
      aValidAccessTokenFor(user: { id: string }): Promise<void>;
    }
  }
}
