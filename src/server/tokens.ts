import { createHash } from 'node:crypto';
import type { Store, TokenRecord } from '../store/types.js';

/** How old the in-memory copy of the tokens may be: a revocation holds on every server within this (plus a read). */
export const TOKEN_CACHE_MS = 500;
/** `last_used_at` is written at most once a minute per token. */
const TOUCH_EVERY_MS = 60_000;

export type TokenLookup = { token: TokenRecord } | { expired: TokenRecord } | null;

/**
 * Every server's view of the named tokens: all of them in memory, keyed by the SHA-256 of the secret, read
 * again from the store when the copy is older than TOKEN_CACHE_MS (or at once after this server created or
 * revoked one). A lookup is a hash and a map read, so checking a token costs a request next to nothing;
 * keying by the hash means no comparison of the secret itself can leak its bytes through timing.
 */
export class TokenRegistry {
  private byHash = new Map<string, TokenRecord>();
  private loadedAt = Number.NEGATIVE_INFINITY;
  private loading: Promise<void> | undefined;
  private readonly touched = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly onError: (error: unknown) => void = () => {},
    private readonly maxAgeMs = TOKEN_CACHE_MS,
  ) {}

  /** The next check reads the store again (this server changed the tokens). */
  invalidate(): void {
    this.loadedAt = Number.NEGATIVE_INFINITY;
  }

  private reload(): Promise<void> {
    this.loading ??= (async () => {
      const started = Date.now();
      try {
        const tokens = await this.store.listTokens();
        this.byHash = new Map(tokens.map((token) => [token.hash, token]));
        this.loadedAt = started;
      } finally {
        this.loading = undefined;
      }
    })();
    return this.loading;
  }

  private async fresh(): Promise<void> {
    if (Date.now() - this.loadedAt > this.maxAgeMs) await this.reload();
  }

  /** Whether any named token exists: then every route but /health needs a credential. */
  async any(): Promise<boolean> {
    await this.fresh();
    return this.byHash.size > 0;
  }

  /** Whether an admin token that has not expired exists (a non-loopback bind may start on it). */
  async liveAdmin(): Promise<boolean> {
    await this.fresh();
    const now = Date.now();
    return [...this.byHash.values()].some(
      (token) => token.scope === 'admin' && (token.expires_at === null || Date.parse(token.expires_at) > now),
    );
  }

  /** The token a secret belongs to (expired or not), or null for an unknown one. */
  async lookup(secret: string): Promise<TokenLookup> {
    const hash = createHash('sha256').update(secret).digest('hex');
    await this.fresh();
    let token = this.byHash.get(hash);
    if (token === undefined) {
      // Perhaps made on another server a moment ago: read again (after any read already running, which may
      // have started before it was made). One read at a time, so unknown secrets cannot pile up queries.
      if (this.loading) await this.loading;
      await this.reload();
      token = this.byHash.get(hash);
    }
    if (token === undefined) return null;
    if (token.expires_at !== null && Date.parse(token.expires_at) <= Date.now()) return { expired: token };
    this.touch(token);
    return { token };
  }

  /** Records the use in the store at most once a minute, off the request's path. */
  private touch(token: TokenRecord): void {
    const now = Date.now();
    const last = Math.max(
      this.touched.get(token.name) ?? 0,
      token.last_used_at ? Date.parse(token.last_used_at) : 0,
    );
    if (now - last < TOUCH_EVERY_MS) return;
    this.touched.set(token.name, now);
    this.store.touchToken(token.name, new Date(now).toISOString()).catch(this.onError);
  }
}
