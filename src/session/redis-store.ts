// Sessions in Redis, shared by every instance of the app. Stored under a hash of the session id
// (a reader of Redis learns no cookie), sealed with the session secret (it learns no session), with
// Redis' own expiry as the idle timeout.
import type { Sealer } from './sealer.ts';
import { RENEWED_AT, type SessionStore } from './store.ts';
import { hashedKey, type RedisConnection } from './redis.ts';

const PREFIX = 'b2c:session:';

export class RedisStore implements SessionStore {
  constructor(
    private readonly redis: RedisConnection,
    private readonly sealer: Sealer,
  ) {}

  async get(id: string): Promise<unknown> {
    const key = keyOf(id);
    const sealed = await this.redis.run((client) => client.get(key));
    if (sealed === null) return undefined;
    const json = this.sealer.open(sealed, key);
    // Unreadable (a retired secret, or not written by us): the browser starts afresh.
    if (json === undefined) return undefined;
    const session = JSON.parse(json) as Record<string, unknown>;
    // Sealed under a previous secret: due for renewal, so written again, under the current one.
    if (!this.sealer.isCurrent(sealed)) delete session[RENEWED_AT];
    return session;
  }

  async set(id: string, session: unknown, maxAge: number): Promise<void> {
    const key = keyOf(id);
    await this.redis.run((client) => client.set(key, this.sealer.seal(JSON.stringify(session), key), 'PX', Math.max(1, Math.round(maxAge))));
  }

  async destroy(id: string): Promise<void> {
    await this.redis.run((client) => client.del(keyOf(id)));
  }

  async ping(): Promise<void> {
    await this.redis.run((client) => client.ping());
  }

  async close(): Promise<void> {
    await this.redis.close();
  }
}

const keyOf = (id: string) => hashedKey(PREFIX, id);
