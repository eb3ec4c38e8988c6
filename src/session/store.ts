// Where koa-session keeps session data on the server (the cookie holds only the key). The shape is
// koa-session's external store: in this process's memory by default, in Redis (redis-store.ts) when
// several instances share sessions.
import { ExpiringMap } from './expiring-map.ts';

/** A session's field holding when it was last written. koa-session writes a session only when it
 *  changed, so moving this forward is what renews the idle timeout (src/http/session-machine.ts,
 *  at most once per renewal interval); a store that wants an entry written again (resealed under
 *  the current secret) hands the session out without it. */
export const RENEWED_AT = 'renewedAt';

/** Set on the request's state (ctx.state) when its cookie names a session that was ended (signed
 *  out, or renewed under a new id) a moment ago: the bridge then knows it did not simply expire. */
export const SESSION_ENDED = 'sessionEnded';

/** A write that would overwrite what another request wrote since this one read the session (or
 *  bring back one that was ended): refused, so the last writer does not win by being last. */
export class StaleSession extends Error {
  override name = 'StaleSession';
}

/** koa-session's options argument to get/set/destroy: the request's context. */
type StoreOptions = { ctx?: unknown };

/** The session's version as it was read: `version`, kept in the session itself (koa-session
 *  carries every field without a leading underscore from the read to the write). */
export const versionOf = (session: unknown): number => (session as { version?: number } | null)?.version ?? 0;

export interface SessionStore {
  /** The session with its `version`; undefined when there is none (flagging SESSION_ENDED on
   *  `ctx.state` when it was ended). */
  get(key: string, maxAge: number, options: { rolling: boolean; ctx?: unknown }): Promise<unknown>;
  /** Written only if the stored version is still the session's `version` (0: none stored, and
   *  none ended); else StaleSession. */
  set(key: string, session: unknown, maxAge: number, options: { rolling: boolean; changed: boolean; ctx?: unknown }): Promise<void>;
  /** Ends the session whatever its version, leaving a tombstone that no late write can overwrite. */
  destroy(key: string, options?: StoreOptions): Promise<void>;
  /** Moves the version on if it still is `version` (this request now owns the session's next
   *  write), and marks the session `pending` until that write (or, at the latest, for the
   *  tombstone's lifetime); returns the new version, or throws StaleSession. */
  claim(key: string, version: number): Promise<number>;
  /** Ends the session if its version still is `version` (it is being renewed under a new id);
   *  else StaleSession. */
  retire(key: string, version: number): Promise<void>;
  /** The person's sessions that began before `at` end at their next request. */
  endSessionsBefore(accountId: string, at: number): Promise<void>;
  /** When the person's sessions were last ended that way, if they were. */
  sessionsValidAfter(accountId: string): Promise<number | undefined>;
  /** Marks a sign-in's transaction (by its state) as being redeemed, until `until` (epoch ms): false
   *  when it already is, or was (a replayed callback, or a second delivery of one). Its transaction
   *  travels in the browser's pending cookie (src/http/pending-cookie.ts); this is what makes it
   *  single-use. */
  spendTransaction(state: string, until: number): Promise<boolean>;
  /** Forgets a mark whose redemption failed, so that only completed sign-ins leave one. */
  unspendTransaction(state: string): Promise<void>;
  /** A sign-out while the transaction is being redeemed: its mark, if there is one, says so (none is
   *  made: anonymous sign-outs leave nothing). */
  endTransaction(state: string): Promise<void>;
  /** Whether a sign-out ended the transaction since it was spent (its sign-in must not be kept). */
  transactionEnded(state: string): Promise<boolean>;
  /** Resolves when the store can be used (readiness). */
  ping(): Promise<void>;
  /** Stop background work (timers, connections). */
  close(): Promise<void>;
}

export interface StoreLifetimes {
  /** How long an ended session's id stays refused: longer than any request can last. */
  tombstoneMs: number;
  /** How long a person's "valid after" is kept: the longest a session can live. */
  personMs: number;
}

/** A stored session: its JSON as written, until the first read makes it an object, frozen, and
 *  keeps that instead; or the tombstone of an ended one. */
type Kept = { version: number; session: string | object; pendingUntil?: number } | { ended: true };

/** Sessions in this process's memory, each forgotten once its maxAge has passed.
 *
 *  Written as JSON, as a Redis store keeps it: one string rather than a graph of objects for the
 *  garbage collector to trace (every /signin writes a session that may never be read), and never
 *  shared with the caller. Read, it becomes one deeply frozen object, handed out to every later
 *  read until the session is written again: nobody can change it, and what the bridge derives from
 *  it (the restored statechart snapshot, src/http/machine-step.ts) can be kept with it, for as
 *  long as the session is stored unchanged. */
export class MemoryStore implements SessionStore {
  private readonly entries: ExpiringMap<Kept>;
  private readonly people: ExpiringMap<number>;
  private readonly spent: ExpiringMap<'spent' | 'ended'>;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly lifetimes: StoreLifetimes = { tombstoneMs: 60_000, personMs: 8 * 3_600_000 },
  ) {
    this.entries = new ExpiringMap(now);
    this.people = new ExpiringMap(now);
    this.spent = new ExpiringMap(now);
  }

  get size(): number {
    return this.entries.size;
  }

  async get(key: string, _maxAge?: number, options?: StoreOptions): Promise<unknown> {
    const kept = this.entries.get(key);
    if (kept === undefined) return undefined;
    if ('ended' in kept) return markEnded(options);
    if (typeof kept.session === 'string') {
      // Fields added to the parsed object, not spread into a new one: V8 keeps it compact.
      const session = JSON.parse(kept.session) as Record<string, unknown>;
      session.version = kept.version;
      if (kept.pendingUntil !== undefined && kept.pendingUntil > this.now()) session.pending = true;
      kept.session = deepFreeze(session);
    }
    return kept.session;
  }

  async set(key: string, session: unknown, maxAge: number): Promise<void> {
    const version = this.current(key, versionOf(session)) + 1;
    const { pending: _, ...written } = session as Record<string, unknown>;
    this.entries.set(key, { version, session: JSON.stringify(written) }, maxAge);
  }

  async destroy(key: string): Promise<void> {
    this.entries.set(key, { ended: true }, this.lifetimes.tombstoneMs);
  }

  async claim(key: string, version: number): Promise<number> {
    const kept = this.entries.get(key);
    if (kept === undefined || 'ended' in kept) throw new StaleSession('there is no session to claim');
    this.current(key, version);
    // Same content, next version, the same remaining lifetime; pending until the claimant writes.
    kept.version = version + 1;
    kept.pendingUntil = this.now() + this.lifetimes.tombstoneMs;
    if (typeof kept.session === 'object') kept.session = JSON.stringify(kept.session);
    return kept.version;
  }

  async retire(key: string, version: number): Promise<void> {
    this.current(key, version);
    await this.destroy(key);
  }

  async endSessionsBefore(accountId: string, at: number): Promise<void> {
    this.people.set(accountId, at, this.lifetimes.personMs);
  }

  async sessionsValidAfter(accountId: string): Promise<number | undefined> {
    return this.people.get(accountId);
  }

  async spendTransaction(state: string, until: number): Promise<boolean> {
    if (this.spent.get(state)) return false;
    this.spent.set(state, 'spent', Math.max(1, until - this.now()));
    return true;
  }

  async unspendTransaction(state: string): Promise<void> {
    this.spent.delete(state);
  }

  async endTransaction(state: string): Promise<void> {
    this.spent.replace(state, 'ended');
  }

  async transactionEnded(state: string): Promise<boolean> {
    return this.spent.get(state) === 'ended';
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.entries.close();
    this.people.close();
    this.spent.close();
  }

  /** The stored version, which must be `expected` (0: none stored); else StaleSession. */
  private current(key: string, expected: number): number {
    const kept = this.entries.get(key);
    const stored = kept === undefined ? 0 : 'ended' in kept ? -1 : kept.version;
    if (stored !== expected) throw new StaleSession(kept && 'ended' in kept ? 'the session was ended' : 'the session was written by another request');
    return stored;
  }
}

/** Tells the request its session was ended (see SESSION_ENDED); there is no session to hand out. */
export function markEnded(options: StoreOptions | undefined): undefined {
  const state = (options?.ctx as { state?: Record<string, unknown> } | undefined)?.state;
  if (state) state[SESSION_ENDED] = true;
  return undefined;
}

/** Parsed JSON, frozen all the way down (a tree: no cycles). */
function deepFreeze<T extends object>(value: T): Readonly<T> {
  for (const child of Object.values(value)) if (child !== null && typeof child === 'object') deepFreeze(child as object);
  return Object.freeze(value);
}
