// Where MSAL's token cache is kept: one entry per person, keyed by their account id, never shared
// between people, gone at sign-out or when a session could no longer be alive. The shape is
// msal-node's ICacheClient (for its DistributedCachePlugin) plus delete.
import type { ICacheClient } from '@azure/msal-node';
import { ExpiringMap } from './expiring-map.ts';
import { hashedKey, type RedisConnection } from './redis.ts';
import type { Sealer } from './sealer.ts';

export interface TokenStore extends ICacheClient {
  /** Resolves to true when there was an entry. */
  delete(accountId: string): Promise<boolean>;
  close(): Promise<void>;
}

/** In this process's memory (the default, one instance). `ttlMs`: how long an entry outlives its
 *  last write (the absolute session timeout). */
export class MemoryTokenStore implements TokenStore {
  private readonly entries: ExpiringMap<string>;

  constructor(
    private readonly ttlMs: number,
    now: () => number = Date.now,
  ) {
    this.entries = new ExpiringMap(now);
  }

  async get(accountId: string): Promise<string> {
    return this.entries.get(accountId) ?? '';
  }

  async set(accountId: string, cache: string): Promise<string> {
    if (accountId) this.entries.set(accountId, cache, this.ttlMs);
    return 'OK';
  }

  async delete(accountId: string): Promise<boolean> {
    return this.entries.delete(accountId);
  }

  async close(): Promise<void> {
    this.entries.close();
  }
}

const PREFIX = 'b2c:msal:';

/** In Redis, shared by every instance: sealed (it holds refresh tokens) under a hash of the
 *  account id, expiring `ttlMs` after its last write. The connection is the session store's. */
export class RedisTokenStore implements TokenStore {
  constructor(
    private readonly redis: RedisConnection,
    private readonly sealer: Sealer,
    private readonly ttlMs: number,
  ) {}

  async get(accountId: string): Promise<string> {
    if (!accountId) return '';
    const key = keyOf(accountId);
    const sealed = await this.redis.run((client) => client.get(key));
    return (sealed && this.sealer.open(sealed, key)) ?? '';
  }

  async set(accountId: string, cache: string): Promise<string> {
    if (!accountId) return 'OK';
    const key = keyOf(accountId);
    return this.redis.run((client) => client.set(key, this.sealer.seal(cache, key), 'PX', this.ttlMs));
  }

  async delete(accountId: string): Promise<boolean> {
    return (await this.redis.run((client) => client.del(keyOf(accountId)))) > 0;
  }

  async close(): Promise<void> {}
}

const keyOf = (accountId: string) => hashedKey(PREFIX, accountId);
