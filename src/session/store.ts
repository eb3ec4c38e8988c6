// Where koa-session keeps session data on the server (the cookie holds only the key). The shape is
// koa-session's external store: in this process's memory by default, in Redis (redis-store.ts) when
// several instances share sessions.
import { ExpiringMap } from './expiring-map.ts';

/** A session's field holding when it was last written. koa-session writes a session only when it
 *  changed, so moving this forward is what renews the idle timeout (src/http/session-machine.ts,
 *  at most once per renewal interval); a store that wants an entry written again (resealed under
 *  the current secret) hands the session out without it. */
export const RENEWED_AT = 'renewedAt';

export interface SessionStore {
  get(key: string, maxAge: number, options: { rolling: boolean; ctx?: unknown }): Promise<unknown>;
  set(key: string, session: unknown, maxAge: number, options: { rolling: boolean; changed: boolean; ctx?: unknown }): Promise<void>;
  destroy(key: string, options?: { ctx?: unknown }): Promise<void>;
  /** Resolves when the store can be used (readiness). */
  ping(): Promise<void>;
  /** Stop background work (timers, connections). */
  close(): Promise<void>;
}

/** A stored session: its JSON as written, until the first read makes it an object, frozen, and
 *  keeps that instead. */
interface Kept {
  session: string | object;
}

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

  constructor(now: () => number = Date.now) {
    this.entries = new ExpiringMap(now);
  }

  get size(): number {
    return this.entries.size;
  }

  async get(key: string): Promise<unknown> {
    const kept = this.entries.get(key);
    if (kept === undefined) return undefined;
    if (typeof kept.session === 'string') kept.session = deepFreeze(JSON.parse(kept.session) as object);
    return kept.session;
  }

  async set(key: string, session: unknown, maxAge: number): Promise<void> {
    this.entries.set(key, { session: JSON.stringify(session) }, maxAge);
  }

  async destroy(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.entries.close();
  }
}

/** Parsed JSON, frozen all the way down (a tree: no cycles). */
function deepFreeze<T extends object>(value: T): Readonly<T> {
  for (const child of Object.values(value)) if (child !== null && typeof child === 'object') deepFreeze(child as object);
  return Object.freeze(value);
}
