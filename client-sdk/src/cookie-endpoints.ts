import { AuthClientError } from './errors.js';
import type { FetchLike } from './client.js';
import type { TokenPair } from './types.js';

/**
 * Cookie mode's two REST calls. The service sets the refresh cookie with `Path=/api/auth`, so the
 * browser sends it to the REST endpoints only: refreshing and logging out go there, with
 * `credentials: 'include'`; every other call stays on tRPC. A refused call throws the same
 * AuthClientError (code, status, errors) as a tRPC call would.
 */
export interface CookieEndpoints {
  /** A new access token from the cookie (the cookie itself is rotated by the server). */
  refresh(): Promise<TokenPair>;
  /** Revokes this session from the cookie and has the server clear it. */
  logout(access: string): Promise<{ message: string }>;
}

interface RestError {
  detail?: string;
  code?: string;
  errors?: Record<string, string[]>;
}

/** `https://auth.example.com/trpc` → `https://auth.example.com/api/auth`. */
export function restUrlBeside(trpcUrl: string): string {
  return `${trpcUrl.replace(/\/+$/, '').replace(/\/trpc$/, '')}/api/auth`;
}

export function cookieEndpoints(restUrl: string, fetchJson: FetchLike): CookieEndpoints {
  async function post(path: string, access?: string): Promise<unknown> {
    let response: Awaited<ReturnType<FetchLike>>;
    try {
      response = await fetchJson(`${restUrl}/${path}/`, {
        method: 'POST',
        credentials: 'include',
        headers: {
          'Content-Type': 'application/json',
          'X-Token-Transport': 'cookie',
          ...(access ? { Authorization: `Bearer ${access}` } : {}),
        },
        body: '{}',
      });
    } catch (error) {
      throw AuthClientError.from(error);
    }
    const body = (await response.json().catch(() => null)) as unknown;
    if (response.ok) return body;
    const { status, headers } = response as unknown as {
      status: number;
      headers: { get(name: string): string | null };
    };
    const envelope = (body ?? {}) as RestError;
    const retryAfter = Number(headers.get('retry-after')) || null;
    // The REST envelope, in the shape a tRPC error carries, so both read alike.
    throw AuthClientError.from({
      error: {
        code: -32001,
        message: envelope.detail ?? `The server answered ${status}.`,
        data: {
          appCode: envelope.code,
          httpStatus: status,
          errors: envelope.errors ?? {},
          retryAfter,
        },
      },
    });
  }
  return {
    async refresh() {
      const { access } = (await post('refresh')) as { access: string };
      return { access, refresh: '' };
    },
    logout: (access) => post('logout', access) as Promise<{ message: string }>,
  };
}
