// Where a session's state lives: this process's memory by default, Redis when SESSION_STORE says so
// (then every instance shares sessions and MSAL's per-person token caches).
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { RedisConnection } from './redis.ts';
import { RedisStore } from './redis-store.ts';
import { Sealer } from './sealer.ts';
import { MemoryStore, type SessionStore } from './store.ts';
import { MemoryTokenStore, RedisTokenStore, type TokenStore } from './token-store.ts';

export { MemoryStore, StaleSession, type SessionStore } from './store.ts';
export type { TokenStore } from './token-store.ts';

export interface Stores {
  sessions: SessionStore;
  tokens: TokenStore;
}

export function createStores(config: Config, log: Logger, now: () => number): Stores {
  // A token cache may live as long as the longest session.
  const tokenTtlMs = config.sessionAbsoluteMs;
  // An ended session's id stays refused longer than any request can last (the IdP timeout bounds
  // every wait, the shutdown drain adds 5 s); a person's "ended before" as long as a session lives.
  const lifetimes = { tombstoneMs: 2 * config.idpTimeoutMs + 10_000, personMs: config.sessionAbsoluteMs };
  if (!config.sessionStore) return { sessions: new MemoryStore(now, lifetimes), tokens: new MemoryTokenStore(tokenTtlMs, now) };

  let down = false; // one line when Redis goes away and one when it is back, not one per retry
  const redis = new RedisConnection(config.sessionStore, (error) => {
    if (!down) log.error({ msg: 'session store unavailable', error: (error as NodeJS.ErrnoException).code ?? error.name });
    down = true;
  });
  redis.client.on('ready', () => {
    if (down) log.info({ msg: 'session store reachable again' });
    down = false;
  });
  const sealer = new Sealer([config.sessionSecret, ...config.previousSessionSecrets]);
  return { sessions: new RedisStore(redis, sealer, lifetimes), tokens: new RedisTokenStore(redis, sealer, tokenTtlMs) };
}
