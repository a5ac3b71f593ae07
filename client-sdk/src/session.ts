import { AuthClientError } from './errors.js';
import type { TokenStore } from './token-store.js';
import type { TokenPair } from './types.js';

export type SessionListener = (tokens: TokenPair | null) => void;

/**
 * The client's session: the token store, the listener, and the one refresh in flight.
 * Refresh tokens rotate and are single use, so two refreshes with the same token would look like
 * reuse to the server (which then ends the whole session): every caller shares one flight.
 */
export class Session {
  private refreshing: Promise<TokenPair | null> | undefined;
  private readonly listeners = new Set<SessionListener>();

  constructor(
    private readonly store: TokenStore,
    private readonly refreshTokens: (refresh: string) => Promise<TokenPair>,
    listener: SessionListener | undefined,
  ) {
    if (listener) this.listeners.add(listener);
  }

  /** Hears every change (new tokens, or null when the session ends); returns the unsubscribe. */
  subscribe(listener: SessionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private announce(tokens: TokenPair | null) {
    for (const listener of this.listeners) listener(tokens);
  }

  async tokens(): Promise<TokenPair | null> {
    return (await this.store.get()) ?? null;
  }

  async set(tokens: TokenPair): Promise<void> {
    await this.store.set(tokens);
    this.announce(tokens);
  }

  /** Forgets the tokens; the listener hears `null` only when there was a session to end. */
  async clear(): Promise<void> {
    const had = await this.store.get();
    await this.store.clear();
    if (had) this.announce(null);
  }

  /**
   * New tokens after the server refused `staleAccess`: at most one refresh for all concurrent
   * callers. Resolves to null when there is no session left to renew. When the server rejects
   * the refresh token, the session ends (cleared, listener hears null) and the error is thrown;
   * a network failure or an unavailable server keeps the tokens for a later try.
   */
  renew(staleAccess: string | null): Promise<TokenPair | null> {
    this.refreshing ??= this.refreshOnce(staleAccess).finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  /**
   * `staleAccess` null: cookie mode's page load, where the refresh token is only in the cookie
   * and no access token is held yet.
   */
  private async refreshOnce(staleAccess: string | null): Promise<TokenPair | null> {
    const current = await this.tokens();
    // Another call refreshed while this one was on the wire: its tokens are already fresh.
    if (staleAccess !== null && (!current || current.access !== staleAccess)) return current;
    try {
      const tokens = await this.refreshTokens(current?.refresh ?? '');
      await this.set(tokens);
      return tokens;
    } catch (error) {
      const failure = AuthClientError.from(error);
      if (failure.status === 401 || failure.code === 'VALIDATION_ERROR') await this.clear();
      throw failure;
    }
  }
}
