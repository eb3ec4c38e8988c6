// How a request writes its session: only through here, and only if nobody wrote it since the
// request read it. koa-session loads the session and sets the cookie, but commits nothing by itself
// (autoCommit is off, src/app.ts): the bridge commits before it answers, so that a request that
// lost a race knows it before it answers, and never sends a cookie that would undo the winner.
import type { Context } from 'koa';
import { StaleSession, versionOf, type SessionStore } from '../session/store.ts';

type Session = NonNullable<Context['session']>;

/** The session as koa-session holds it, if the request came with one that is stored. */
const stored = (ctx: Context): Session | null => (ctx.session && !ctx.session.isNew ? ctx.session : null);

/** Writes the session if it changed, on the version it was read at (StaleSession otherwise).
 *  `renew` (a sign-in, or a user flow completed while signed in): under a new id, the old one
 *  ended first, only if it is still as read. */
export async function writeSession(ctx: Context, store: SessionStore, renew: boolean): Promise<void> {
  const session = ctx.session!;
  // Another request is completing this session (it claimed it): this one only looks, and writes
  // nothing that would make that request's write stale (a renewal of the idle time, say).
  if (session.pending && !session._claimed) return;
  // A new session (a visitor signing in) has a fresh id already: nothing of it was stored to end.
  if (!renew || session.isNew) return session.manuallyCommit();
  if (session.externalKey) await store.retire(session.externalKey, versionOf(session));
  // koa-session ends the old id again (a tombstone already), then writes the new one: version 0.
  session.version = 0;
  await session.regenerate();
}

/** Ends the session: a tombstone in the store, and the cookie cleared (only the cookie, when it
 *  names no stored session). Whatever happened to it meanwhile (sign-out wins every race); or,
 *  given the store, only if it is still as read (StaleSession otherwise). */
export async function endSession(ctx: Context, cookieName: string, store?: SessionStore): Promise<void> {
  const session = ctx.session;
  if (store && session && !session.isNew && session.externalKey) await store.retire(session.externalKey, versionOf(session));
  ctx.session = null;
  if (session && (!session.isNew || ctx.cookies.get(cookieName))) await session.manuallyCommit();
}

/** Makes this request the one that writes the session next (before it spends the session's open
 *  transaction at the identity provider): StaleSession when another request got there first. */
export async function claimSession(ctx: Context, store: SessionStore): Promise<void> {
  const session = stored(ctx);
  if (!session?.externalKey) return;
  // Another request is spending it right now (a second delivery of the same callback).
  if (session.pending) throw new StaleSession('another request is completing this session');
  session.version = await store.claim(session.externalKey, versionOf(session));
  session._claimed = true; // not stored: koa-session leaves out fields that start with _
}

/** Lets go of a claim this request holds without changing the session: written back as read. */
export async function releaseClaim(ctx: Context): Promise<void> {
  if (ctx.session?._claimed) await ctx.session.save();
}
