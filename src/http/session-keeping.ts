// Where a browser's statechart snapshot is read from and kept: a signed-in session in the session
// store (memory or Redis) under a cookie naming it; a visitor's, until sign-in completes, sealed in
// its own pending cookie (./pending-cookie.ts), so that anonymous traffic holds no server state.
// Also when a stored session is over (idle, too old, ended elsewhere).
import type { Context } from 'koa';
import type { Snapshot } from 'xstate';
import type { SessionContext, Transaction, User } from '../../machines/session.ts';
import type { Identity } from '../identity/index.ts';
import type { Logger } from '../log.ts';
import { RENEWED_AT, SESSION_ENDED, StaleSession, type SessionStore } from '../session/store.ts';
import type { PendingCookie } from './pending-cookie.ts';
import { claimSession, endSession, releaseClaim, writeSession } from './session-writes.ts';

type Session = NonNullable<Context['session']>;

/** What a request found: the snapshot it starts from and where it came from. */
export interface Loaded {
  /** The persisted snapshot, if the browser has one that is still valid. */
  saved: Snapshot<unknown> | undefined;
  /** Why the stored session it named is over, if it is: the machine gets EXPIRE first. */
  expired: 'idle' | 'absolute' | 'endedElsewhere' | false;
  /** That timed-out session, to be ended with this request's answer. */
  over: Session | null;
  /** The visitor's pending cookie's ref, when the snapshot came from there. */
  pendingRef: string | undefined;
  recent: unknown;
}

export interface KeepingOptions {
  store: SessionStore;
  pending: PendingCookie;
  identity: Identity;
  log: Logger;
  now: () => number;
  sessionAbsoluteMs: number;
  sessionIdleMs: number;
  sessionCookie: string;
}

/** A spent mark outlives its transaction by this much: an instance whose clock lags still finds it. */
const CLOCK_SKEW_MS = 60_000;

export function createKeeping({ store, pending, identity, log, now, sessionAbsoluteMs, sessionIdleMs, sessionCookie }: KeepingOptions) {
  // A session is written when it changes, and to renew its idle timeout at most this often: a page
  // view then costs no store write (nor Set-Cookie) most of the time, and a session ends between
  // idle − renewEvery and idle after its last request (29 to 30 minutes by default).
  const renewEvery = Math.min(60_000, Math.floor(sessionIdleMs / 30));

  /** A browser whose session is over though it did not end it: its cookie came back, its session
   *  did not (idle, the store let it go), is too old (absolute), or began before the person's
   *  sessions were ended elsewhere (a sign-out, a password reset). What it held is forgotten. A
   *  session ended on purpose a moment ago (a tombstone) is not "expired": its id is just gone. */
  async function expire(ctx: Context): Promise<Loaded['expired']> {
    // Loaded from the store (not new), the session came under a cookie koa-session found validly
    // signed: no second HMAC. Only a new one makes us ask whether a signed cookie came back.
    const cameBack = ctx.session?.isNew === false || Boolean(ctx.cookies.get(sessionCookie));
    if (!cameBack || ctx.state[SESSION_ENDED]) return false;
    const startedAt = ctx.session?.startedAt as number | undefined;
    const user = savedUser(ctx);
    let why: Loaded['expired'] = startedAt === undefined ? 'idle' : now() - startedAt > sessionAbsoluteMs ? 'absolute' : false;
    if (!why && user) {
      const after = await store.sessionsValidAfter(user.accountId);
      if (after !== undefined && ((ctx.session!.authAt as number | undefined) ?? startedAt!) < after) why = 'endedElsewhere';
    }
    if (!why) return false;
    // The person's tokens go with a timed-out session; one ended elsewhere has a successor using them.
    if (user && why !== 'endedElsewhere') await identity.forget(user.accountId).catch(() => false);
    log.info({ msg: 'session expired', why });
    return why;
  }

  return {
    async load(ctx: Context): Promise<Loaded> {
      const expired = await expire(ctx);
      // What a timed-out session held is gone: the request goes on from a clean one, and the old
      // one is ended either way.
      const over = expired ? ctx.session : null;
      if (expired) ctx.session = null;
      const stored = ctx.session?.machine as Snapshot<unknown> | undefined;
      if (stored) return { saved: stored, expired, over, pendingRef: undefined, recent: ctx.session!.recent };
      const visitor = pending.read(ctx);
      if (visitor?.expired) {
        // Its cookie came back, its session is over: as for a stored one.
        log.info({ msg: 'session expired', why: 'idle' });
        return { saved: undefined, expired: 'idle', over: null, pendingRef: visitor.ref, recent: undefined };
      }
      return { saved: visitor?.machine, expired, over, pendingRef: visitor?.ref, recent: visitor?.recent };
    },

    /** Before a request spends the open transaction at the identity provider: of two requests
     *  doing it at once, or a copy of the request replayed later, only one goes on (StaleSession
     *  for the others). A visitor's transaction is marked spent in the store by its state, for no
     *  longer than it lives; a stored session is claimed. Returns the state to unspend if the
     *  redemption fails, so that only completed sign-ins leave a mark. */
    async spend(ctx: Context, loaded: Loaded, transaction: Transaction, redeeming: boolean): Promise<string | undefined> {
      if (loaded.pendingRef === undefined) {
        await claimSession(ctx, store);
        return undefined;
      }
      // Leaving an abandoned flow for a new one spends nothing: a copy can only start another.
      if (!redeeming) return undefined;
      if (!(await store.spendTransaction(transaction.state, transaction.expiresAt + CLOCK_SKEW_MS))) {
        throw new StaleSession('this sign-in was completed already');
      }
      return transaction.state;
    },

    /** After a redemption that failed or timed out: the mark, or the claim, let go. */
    async unspend(ctx: Context, state: string | undefined): Promise<void> {
      if (state !== undefined) await store.unspendTransaction(state);
      else await releaseClaim(ctx);
    },

    /** Keeps the request's snapshot where it belongs: nothing for a pristine one, the visitor's
     *  cookie while no one is signed in, the store once someone is. `persisted === loaded.saved`:
     *  unchanged. StaleSession when another request wrote or ended the stored session first. */
    async keep(ctx: Context, loaded: Loaded, persisted: Snapshot<unknown> | undefined, user: User | null, renew: { endOtherSessions: boolean } | undefined, recent: unknown): Promise<void> {
      const { over } = loaded;
      if (persisted === undefined || user === null) {
        // A stored session left behind (timed out, or a visitor's from before pending cookies): ended.
        // (A cookie naming an ended session is left alone: clearing it by name could clear the one
        // that replaced it, sent to the same browser by the request that ended it.)
        if (over) await over.manuallyCommit(); // ctx.session is null: removed, cookie cleared
        else if (ctx.session?.machine) await endSession(ctx, sessionCookie, store);
        if (persisted === undefined) pending.clear(ctx);
        else if (persisted !== loaded.saved || loaded.pendingRef === undefined || recent !== loaded.recent) loaded.pendingRef = pending.write(ctx, persisted, loaded.pendingRef, recent);
        return;
      }
      // Signed in from a visitor's cookie, but signed out by another request meanwhile: not kept.
      const transaction = visitorTransaction(loaded);
      if (renew && transaction && (await store.transactionEnded(transaction.state))) throw new StaleSession('signed out while signing in');
      if (!ctx.session) ctx.session = {};
      const session = ctx.session;
      // What this request changes, said as it is changed: a page view that changes nothing skips
      // koa-session's commit, which would hash the whole session again only to find it as read.
      let changed = session.isNew || renew !== undefined || session._claimed === true;
      if (session.startedAt === undefined) {
        session.startedAt = now();
        changed = true;
      }
      if (session.machine !== persisted) {
        session.machine = persisted;
        changed = true;
      }
      // Another instance's clock may be ahead: a date in the future renews too.
      const at = now();
      const renewed = session[RENEWED_AT] as number | undefined;
      if (renewed === undefined || Math.abs(at - renewed) >= renewEvery) {
        session[RENEWED_AT] = at;
        changed = true;
      }
      if (recent !== undefined && recent !== session.recent) {
        session.recent = recent;
        changed = true;
      }
      if (renew) {
        session.authAt = at;
        // A new password: every other session of the person ends at its next request.
        if (renew.endOtherSessions) await store.endSessionsBefore(user.accountId, at);
      }
      if (changed) await writeSession(ctx, store, renew !== undefined);
      // Signed in from a visitor's cookie: the store has it now.
      pending.clear(ctx);
    },

    /** Ends whatever the browser had (a sign-out): the stored session, whatever happened to it
     *  meanwhile, and the visitor's cookie. */
    async end(ctx: Context, loaded: Loaded): Promise<void> {
      if (loaded.over) await loaded.over.manuallyCommit();
      else await endSession(ctx, sessionCookie);
      // A visitor's sign-in being redeemed right now is not kept either (see keep()).
      const transaction = visitorTransaction(loaded);
      if (transaction) await store.endTransaction(transaction.state);
      pending.clear(ctx);
    },

    /** A name for the browser's session in developers' views: never the cookie's value itself. */
    ref: (ctx: Context, loaded: Loaded, signedIn: boolean): string | undefined =>
      signedIn ? (ctx.session?.externalKey as string | undefined) : loaded.pendingRef,

    /** Who the session as now stored says is signed in (for a request that lost a race). */
    async current(ctx: Context): Promise<User | null> {
      const key = ctx.session?.externalKey;
      const stored = key ? ((await store.get(key, 0, { rolling: false, ctx })) as { machine?: { context?: SessionContext } } | undefined) : undefined;
      return stored?.machine?.context?.user ?? null;
    },
  };
}

export type Keeping = ReturnType<typeof createKeeping>;

/** The open transaction of a visitor's session, as its cookie brought it. */
const visitorTransaction = (loaded: Loaded): Transaction | null | undefined =>
  loaded.pendingRef === undefined ? undefined : (loaded.saved as { context?: SessionContext } | undefined)?.context?.transaction;

/** Who the session, as stored, says is signed in (it is not restored when it does not fit). */
export const savedUser = (ctx: Context): User | null | undefined => (ctx.session?.machine as { context?: SessionContext } | undefined)?.context?.user;
