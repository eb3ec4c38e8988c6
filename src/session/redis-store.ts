// Sessions in Redis, shared by every instance of the app. Stored under a hash of the session id
// (a reader of Redis learns no cookie), sealed with the session secret (it learns no session), with
// Redis' own expiry as the idle timeout.
//
// Each value is `<version>:<sealed session>` (`<version>!<pending until>:…` while a request has
// claimed it), or `ended` (a tombstone), so that one Lua script can
// compare and set atomically across instances: a write lands only on the version it read. One key
// per script, as Redis Cluster requires. A value from before versions (`v1.…`, the sealed session
// alone) counts as version 0.
import type { Sealer } from './sealer.ts';
import { RENEWED_AT, StaleSession, markEnded, versionOf, type SessionStore, type StoreLifetimes } from './store.ts';
import { hashedKey, type RedisConnection } from './redis.ts';

const PREFIX = 'b2c:session:';
const PERSON_PREFIX = 'b2c:person:';
const SPENT_PREFIX = 'b2c:spent:';
const ENDED = 'ended';

// The stored version (0 when none or from before versions, -1 when ended), as the scripts read it.
const STORED_VERSION = `
local value = redis.call('GET', KEYS[1])
local stored = 0
if value == '${ENDED}' then stored = -1
elseif value then stored = tonumber(string.match(value, '^(%d+)[!:]')) or 0 end
if stored ~= tonumber(ARGV[1]) then return -1 end`;

/** ARGV: expected version, sealed session, lifetime (ms). Returns the new version, or -1. */
const SET = `${STORED_VERSION}
local version = stored + 1
redis.call('SET', KEYS[1], version .. ':' .. ARGV[2], 'PX', ARGV[3])
return version`;

/** ARGV: expected version, pending until (epoch ms). Same content, next version, same remaining
 *  lifetime, marked pending; or -1. */
const CLAIM = `${STORED_VERSION}
if not value then return -1 end
local version = stored + 1
local sealed = string.gsub(value, '^%d+[!%d]*:', '', 1)
redis.call('SET', KEYS[1], version .. '!' .. ARGV[2] .. ':' .. sealed, 'KEEPTTL')
return version`;

/** ARGV: expected version, tombstone lifetime (ms). 1, or -1. */
const RETIRE = `${STORED_VERSION}
redis.call('SET', KEYS[1], '${ENDED}', 'PX', ARGV[2])
return 1`;

export class RedisStore implements SessionStore {
  constructor(
    private readonly redis: RedisConnection,
    private readonly sealer: Sealer,
    private readonly lifetimes: StoreLifetimes,
  ) {}

  async get(id: string, _maxAge?: number, options?: { ctx?: unknown }): Promise<unknown> {
    const key = keyOf(id);
    const value = await this.redis.run((client) => client.get(key));
    if (value === null) return undefined;
    if (value === ENDED) return markEnded(options);
    const versioned = /^(\d+)(?:!(\d+))?:/.exec(value);
    const sealed = versioned ? value.slice(versioned[0].length) : value;
    const json = this.sealer.open(sealed, key);
    // Unreadable (a retired secret, or not written by us): the browser starts afresh.
    if (json === undefined) return undefined;
    const session = JSON.parse(json) as Record<string, unknown>;
    session.version = versioned ? Number(versioned[1]) : 0;
    if (versioned?.[2] !== undefined && Number(versioned[2]) > Date.now()) session.pending = true;
    // Sealed under a previous secret: due for renewal, so written again, under the current one.
    if (!this.sealer.isCurrent(sealed)) delete session[RENEWED_AT];
    return session;
  }

  async set(id: string, session: unknown, maxAge: number): Promise<void> {
    const key = keyOf(id);
    const { pending: _, ...written } = session as Record<string, unknown>;
    const sealed = this.sealer.seal(JSON.stringify(written), key);
    await this.script(SET, key, versionOf(session), sealed, Math.max(1, Math.round(maxAge)));
  }

  async destroy(id: string): Promise<void> {
    const key = keyOf(id);
    await this.redis.run((client) => client.set(key, ENDED, 'PX', this.lifetimes.tombstoneMs));
  }

  async claim(id: string, version: number): Promise<number> {
    return this.script(CLAIM, keyOf(id), version, Date.now() + this.lifetimes.tombstoneMs);
  }

  async retire(id: string, version: number): Promise<void> {
    await this.script(RETIRE, keyOf(id), version, this.lifetimes.tombstoneMs);
  }

  async endSessionsBefore(accountId: string, at: number): Promise<void> {
    const key = hashedKey(PERSON_PREFIX, accountId);
    await this.redis.run((client) => client.set(key, String(at), 'PX', this.lifetimes.personMs));
  }

  async sessionsValidAfter(accountId: string): Promise<number | undefined> {
    const key = hashedKey(PERSON_PREFIX, accountId);
    const at = await this.redis.run((client) => client.get(key));
    return at === null ? undefined : Number(at);
  }

  async spendTransaction(state: string, until: number): Promise<boolean> {
    const key = hashedKey(SPENT_PREFIX, state);
    const ttl = Math.max(1, Math.round(until - Date.now()));
    return (await this.redis.run((client) => client.set(key, 'spent', 'PX', ttl, 'NX'))) === 'OK';
  }

  async endTransaction(state: string): Promise<void> {
    const key = hashedKey(SPENT_PREFIX, state);
    await this.redis.run((client) => client.set(key, 'ended', 'KEEPTTL', 'XX'));
  }

  async transactionEnded(state: string): Promise<boolean> {
    const key = hashedKey(SPENT_PREFIX, state);
    return (await this.redis.run((client) => client.get(key))) === 'ended';
  }

  async unspendTransaction(state: string): Promise<void> {
    const key = hashedKey(SPENT_PREFIX, state);
    await this.redis.run((client) => client.del(key));
  }

  async ping(): Promise<void> {
    await this.redis.run((client) => client.ping());
  }

  async close(): Promise<void> {
    await this.redis.close();
  }

  /** Runs a compare-and-set script; -1 (the version moved on, or the session was ended) is StaleSession. */
  private async script(source: string, key: string, ...args: (string | number)[]): Promise<number> {
    const result = (await this.redis.run((client) => client.eval(source, 1, key, ...args))) as number;
    if (result === -1) throw new StaleSession('the session was written by another request, or ended');
    return result;
  }
}

const keyOf = (id: string) => hashedKey(PREFIX, id);
