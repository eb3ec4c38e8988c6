// A Map whose entries are forgotten once their time is up: on read, and by a sweep every minute
// for those nobody reads again.
interface Entry<V> {
  value: V;
  expiresAt: number;
}

const SWEEP_INTERVAL_MS = 60_000;

export class ExpiringMap<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly now: () => number = Date.now) {
    this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: V, ttlMs: number): void {
    this.entries.set(key, { value, expiresAt: this.now() + ttlMs });
  }

  /** A new value for a live entry, its expiry unchanged; nothing when there is none. */
  replace(key: string, value: V): void {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt > this.now()) entry.value = value;
  }

  delete(key: string): boolean {
    return this.entries.delete(key);
  }

  close(): void {
    clearInterval(this.sweeper);
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }
}
