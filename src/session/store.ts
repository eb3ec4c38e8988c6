// Where koa-session keeps session data on the server (the cookie holds only the key). The shape is
// koa-session's external store: in this process's memory by default, in Redis (redis-store.ts) when
// several instances share sessions.
import { ExpiringMap } from './expiring-map.ts';

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
  private readonly entries: ExpiringMap<unknown>;

  constructor(now: () => number = Date.now) {
    this.entries = new ExpiringMap(now);
  }

  get size(): number {
    return this.entries.size;
  }

  async get(key: string): Promise<unknown> {
    return this.entries.get(key);
  }

  async set(key: string, session: unknown, maxAge: number): Promise<void> {
    // A structured copy: what is stored must not change with the caller's object afterwards.
    this.entries.set(key, structuredClone(session), maxAge);
  }

  async destroy(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.entries.close();
  }
}
