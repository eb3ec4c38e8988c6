// A visitor's session until sign-in completes, kept by its browser rather than by the server: the
// statechart's snapshot (the open transaction, a notice) sealed with AES-256-GCM under the session
// secrets, in a short-lived cookie. Anonymous traffic, a flood of /signin included, then costs the
// server nothing per visitor: no store entry, no Redis key (SECURITY.md says why this and not a
// capped store). What makes a sealed transaction single-use is the store's spent mark, written
// when its callback is redeemed (src/http/session-machine.ts).
import type { Context } from 'koa';
import type { Snapshot } from 'xstate';
import { randomOctets } from '../random.ts';
import { Sealer } from '../session/sealer.ts';

/** What the cookie holds: the snapshot as xstate persists it, and the /_flow view's recent events. */
export interface Pending {
  machine: Snapshot<unknown>;
  /** Random, made with the cookie's first value and carried on: names the visitor in developers'
   *  views (/_flow, the inspector) until sign-in gives it a session id. */
  ref: string;
  recent?: unknown;
  /** Sealed by us but past its lifetime: the visitor's session is over (the machine is told so). */
  expired?: true;
}

// A sealed snapshot with its transaction is ~600 bytes; anything far larger is not ours.
const MAX_COOKIE = 4096;

export class PendingCookie {
  private readonly sealer: Sealer;
  private readonly options: { httpOnly: true; sameSite: 'lax'; path: '/'; overwrite: true; signed: false; secure?: true };

  /** `lifetimeMs`: how long a sealed snapshot is valid after it was written, and the cookie kept:
   *  a visitor's idle timeout, as a stored session has (the transaction inside expires sooner, by
   *  the machine's own check). `secrets`: the current one first; older ones still open theirs. */
  constructor(
    readonly name: string,
    secrets: readonly string[],
    private readonly lifetimeMs: number,
    private readonly now: () => number,
    secure: boolean,
  ) {
    this.sealer = new Sealer(secrets);
    // Not signed: the seal authenticates it. Secure when the public origin is https.
    this.options = { httpOnly: true, sameSite: 'lax', path: '/', overwrite: true, signed: false, ...(secure ? { secure: true } : {}) };
  }

  /** The browser's pending session, if it sent one we sealed that has not expired. */
  read(ctx: Context): Pending | undefined {
    const sealed = ctx.cookies.get(this.name, { signed: false });
    return sealed ? this.open(sealed) : undefined;
  }

  /** The cookie's value opened, as the bridge would read it (tests read a browser's cookie too). */
  open(sealed: string): Pending | undefined {
    if (sealed.length > MAX_COOKIE) return undefined;
    const json = this.sealer.open(sealed, this.context);
    if (json === undefined) return undefined;
    const [expiresAt, ref, value, context, recent] = JSON.parse(json) as [unknown, string, unknown, unknown, unknown];
    if (typeof expiresAt !== 'number' || typeof ref !== 'string') return undefined;
    // Rebuilt as xstate persists it: at rest the machine has no children and no history.
    const machine = { status: 'active', value, context, children: {}, historyValue: {} } as unknown as Snapshot<unknown>;
    const pending: Pending = recent === undefined ? { machine, ref } : { machine, ref, recent };
    if (expiresAt <= this.now()) pending.expired = true;
    return pending;
  }

  /** `ref` undefined: a new visitor, given one. Returns the ref written. */
  write(ctx: Context, machine: Snapshot<unknown>, ref: string | undefined, recent?: unknown): string {
    const { value, context } = machine as unknown as { value: unknown; context: unknown };
    const written = ref ?? randomOctets(12).toString('base64url');
    const payload = [this.now() + this.lifetimeMs, written, value, context, ...(recent === undefined ? [] : [recent])];
    ctx.cookies.set(this.name, this.sealer.seal(JSON.stringify(payload), this.context), { ...this.options, maxAge: this.lifetimeMs });
    return written;
  }

  /** Clears the browser's cookie, if it sent one. */
  clear(ctx: Context): void {
    if (ctx.cookies.get(this.name, { signed: false }) !== undefined) ctx.cookies.set(this.name, null, this.options);
  }

  /** Authenticated with the seal: a value sealed for Redis, or for another cookie, does not open here. */
  private get context(): string {
    return `cookie ${this.name}`;
  }
}
