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

/** Sessions in this process's memory, each forgotten once its maxAge has passed. */
export class MemoryStore implements SessionStore {
  private readonly entries: ExpiringMap<string>;

  constructor(now: () => number = Date.now) {
    this.entries = new ExpiringMap(now);
  }

  get size(): number {
    return this.entries.size;
  }

  async get(key: string): Promise<unknown> {
    const json = this.entries.get(key);
    return json === undefined ? undefined : JSON.parse(json);
  }

  async set(key: string, session: unknown, maxAge: number): Promise<void> {
    // As JSON, as a Redis store keeps it: one string rather than a graph of objects for the
    // garbage collector to trace (a sign-in makes one per request), and never shared with a caller.
    this.entries.set(key, JSON.stringify(session), maxAge);
  }

  async destroy(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.entries.close();
  }
}
