import type { TokenPair } from './types.js';

/**
 * Where the client keeps the session's tokens. Any object with these three methods will do
 * (sync or async): a cookie jar, secure storage on a device, a state store.
 */
export interface TokenStore {
  get(): TokenPair | null | Promise<TokenPair | null>;
  set(tokens: TokenPair): void | Promise<void>;
  clear(): void | Promise<void>;
}

/** The default: tokens live as long as the page (or process) does. */
export function memoryTokenStore(initial: TokenPair | null = null): TokenStore {
  let tokens = initial;
  return {
    get: () => tokens,
    set: (next) => {
      tokens = next;
    },
    clear: () => {
      tokens = null;
    },
  };
}

/** The part of the Web Storage API the adapter uses (`localStorage`, `sessionStorage`). */
export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export function isTokenPair(value: unknown): value is TokenPair {
  const candidate = value as Partial<TokenPair> | null;
  return typeof candidate?.access === 'string' && typeof candidate.refresh === 'string';
}

/**
 * Keeps the tokens in `localStorage` under `key`, so a session survives a reload. Storage is
 * looked up on each call, which keeps server-side rendering (no `localStorage`) working: there
 * the store is simply empty. Anything readable by scripts is exposed to XSS; weigh that.
 */
export function localStorageTokenStore(
  key = 'auth-service.tokens',
  storage?: StorageLike,
): TokenStore {
  const resolve = () =>
    storage ?? (globalThis as { localStorage?: StorageLike }).localStorage ?? null;
  return {
    get() {
      const raw = resolve()?.getItem(key);
      if (!raw) return null;
      try {
        const parsed: unknown = JSON.parse(raw);
        return isTokenPair(parsed) ? { access: parsed.access, refresh: parsed.refresh } : null;
      } catch {
        return null;
      }
    },
    set(tokens) {
      resolve()?.setItem(key, JSON.stringify({ access: tokens.access, refresh: tokens.refresh }));
    },
    clear() {
      resolve()?.removeItem(key);
    },
  };
}
