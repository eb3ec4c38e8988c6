// Where koa-session keeps session data on the server (the cookie holds only the key). The shape is
// koa-session's external store; an in-memory one is the default, Redis comes later.

export interface SessionStore {
  get(key: string, maxAge: number, options: { rolling: boolean; ctx?: unknown }): Promise<unknown>;
  set(key: string, session: unknown, maxAge: number, options: { rolling: boolean; changed: boolean; ctx?: unknown }): Promise<void>;
  destroy(key: string, options?: { ctx?: unknown }): Promise<void>;
  /** Stop background work (timers, connections). */
  close(): Promise<void>;
}

interface Entry {
  /** As JSON, as a Redis store keeps it: one string rather than a graph of objects for the
   *  garbage collector to trace (a sign-in makes one per request), and never shared with a caller. */
  json: string;
  expiresAt: number;
}

const SWEEP_INTERVAL_MS = 60_000;

/** Sessions in this process's memory, each forgotten once its maxAge has passed. */
export class MemoryStore implements SessionStore {
  private readonly entries = new Map<string, Entry>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly now: () => number = Date.now) {
    this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  get size(): number {
    return this.entries.size;
  }

  async get(key: string): Promise<unknown> {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return JSON.parse(entry.json);
  }

  async set(key: string, session: unknown, maxAge: number): Promise<void> {
    this.entries.set(key, { json: JSON.stringify(session), expiresAt: this.now() + maxAge });
  }

  async destroy(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }
}
