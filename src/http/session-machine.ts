// The bridge between HTTP and the statechart: restore this browser's snapshot, send one event,
// carry out the machine's actions, wait until no `busy` state is active, persist it, answer. The
// events are stepped without an actor (./machine-step.ts) and the invoked identity calls run here;
// a machine that needed a live actor (delays, other invoked actors) would be refused loudly.
import type { Context } from 'koa';
import { fromPromise } from 'xstate';
import type { Snapshot, StateValue } from 'xstate';
import { sessionMachine } from '../../machines/session.ts';
import type { ApiAnswer, CallbackParams, Flow, Problem, SessionContext, SessionEvent, Transaction, User } from '../../machines/session.ts';
import type { Identity } from '../identity/index.ts';
import { RENEWED_AT, SESSION_ENDED, StaleSession, type SessionStore } from '../session/store.ts';
import { rememberEvent } from '../flow/view.ts';
import type { Logger } from '../log.ts';
import { createStepper, settledEvent, unchanged, type SessionSnapshot } from './machine-step.ts';
import type { Pages } from './pages.ts';
import { within } from '../within.ts';
import { claimSession, endSession, releaseClaim, writeSession } from './session-writes.ts';
import { seeProblem } from './problem-link.ts';
import { redirect } from './redirect.ts';

/** What the machine decided this request should get, collected by the provided actions. */
interface Reply {
  page?:
    | { view: 'home'; context: SessionContext }
    | { view: 'problem'; context: SessionContext; problem: Problem }
    | { view: 'api'; context: SessionContext; answer: ApiAnswer };
  redirect?: string;
  renewSession?: { endOtherSessions: boolean };
  endSession?: { user: User | null };
}

export interface DispatchOptions {
  identity: Identity;
  /** Where sessions are kept: every write is conditional on the version the request read. */
  store: SessionStore;
  /** Keep the last events in the session, for the developers' /_flow view. */
  recordEvents: boolean;
  /** The web API call (src/web-api), or null when no API is configured. */
  callApi: ((user: User) => Promise<ApiAnswer>) | null;
  now: () => number;
  /** A session older than this ends (its idle timeout is the store's maxAge). */
  sessionAbsoluteMs: number;
  /** The idle timeout: how long the store keeps a session after it was last written. */
  sessionIdleMs: number;
  sessionCookie: string;
  logoutEndpoint: string;
  /** Longest wait for the machine to settle; a safety net above the identity provider timeout. */
  settleTimeoutMs: number;
  log: Logger;
  pages: Pages;
}

/** What a route sends: the bridge dates callbacks itself. */
export type RequestEvent = Exclude<SessionEvent, { type: 'CALLBACK' } | { type: 'EXPIRE' }> | { type: 'CALLBACK'; params: CallbackParams };

export type Dispatch = (ctx: Context, event: RequestEvent) => Promise<void>;

const tookTooLong: Problem = {
  status: 504,
  title: 'The sign-in service is taking too long',
  detail: 'We stopped waiting for the identity provider. Please try again in a moment.',
};

/** Where a request's events left the machine, and what to keep of it; or no answer in time. */
type Settled = { snapshot: SessionSnapshot; persisted: Snapshot<unknown> | undefined } | 'timedOut';

export function createDispatch({ identity, store, recordEvents, callApi, now, sessionAbsoluteMs, sessionIdleMs, sessionCookie, logoutEndpoint, settleTimeoutMs, log, pages }: DispatchOptions): Dispatch {
  // The machine's two invoked promises, run by the bridge (see run()).
  const invoked = {
    authorize: (input: { flow: Flow }) => logged('authorize', identity.authorize(input.flow)),
    redeem: (input: { transaction: Transaction; params: CallbackParams }) => logged('redeem', identity.redeem(input.transaction, input.params)),
    // Only reached when apiConfigured holds.
    callApi: (input: { user: User }) => logged('call API', callApi!(input.user)),
  };
  // The reply of the request whose actions are being carried out (synchronously, in run()).
  let replying: Reply = {};

  // Provided once: every step runs this machine. The actors are the machine's invoked promises as
  // xstate sees them (a step reads their input); the bridge runs them.
  const machine = sessionMachine.provide({
    actions: {
      render: ({ context }, params) => {
        if (params.page === 'home') replying.page = { view: 'home', context };
        else if (params.page === 'problem') replying.page = { view: 'problem', context, problem: params.problem };
        else replying.page = { view: 'api', context, answer: params.answer };
      },
      redirect: (_, { url }) => {
        replying.redirect = url;
      },
      renewSession: (_, params) => {
        replying.renewSession = params;
      },
      endSession: (_, { user }) => {
        replying.endSession = { user };
      },
    },
    actors: {
      authorize: fromPromise(({ input }) => invoked.authorize(input)),
      redeem: fromPromise(({ input }) => invoked.redeem(input)),
      callApi: fromPromise(({ input }) => invoked.callApi(input)),
    },
    guards: {
      apiConfigured: () => callApi !== null,
    },
  });

  /** Identity failures are logged by their reason, which never holds a token, code or claim. */
  function logged<T>(step: string, work: Promise<T>): Promise<T> {
    return work.catch((error: unknown) => {
      log.warn({ msg: `${step} failed`, status: (error as Problem).status, reason: (error as { reason?: string }).reason ?? (error as Error).name });
      throw error;
    });
  }

  /** A browser whose session is over though it did not end it: its cookie came back, its session
   *  did not (idle, the store let it go), is too old (absolute), or began before the person's
   *  sessions were ended elsewhere (a sign-out, a password reset). What it held is forgotten. A
   *  session ended on purpose a moment ago (a tombstone) is not "expired": its id is just gone. */
  async function expire(ctx: Context): Promise<'idle' | 'absolute' | 'endedElsewhere' | false> {
    if (!ctx.cookies.get(sessionCookie) || ctx.state[SESSION_ENDED]) return false;
    const startedAt = ctx.session?.startedAt as number | undefined;
    const user = savedUser(ctx);
    let why: 'idle' | 'absolute' | 'endedElsewhere' | false = startedAt === undefined ? 'idle' : now() - startedAt > sessionAbsoluteMs ? 'absolute' : false;
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

  /** A problem page; for a callback, a redirect to it (./problem-link.ts), so that its code leaves
   *  the address bar and the history. */
  function refuse(ctx: Context, event: SessionEvent, problem: Problem, user: User | null | undefined): Promise<void> | void {
    return event.type === 'CALLBACK' ? seeProblem(ctx, problem) : pages.problem(ctx, problem, user);
  }

  /** A request that lost a race for the session (another wrote or ended it since this one read it)
   *  writes nothing and answers from the session as it now stands: a callback by going home (its
   *  code stays out of the address bar), anything else with the home page as now stored. */
  async function answerAsItStands(ctx: Context, event: SessionEvent, reply: Reply, signedIn: User | null): Promise<void> {
    log.info({ msg: 'session changed by another request first; answered as it stands', event: event.type });
    // Signed in by this request, whose session was ended meanwhile: its tokens are not kept either.
    if (reply.renewSession && signedIn) await identity.forget(signedIn.accountId).catch(() => false);
    if (event.type === 'CALLBACK') return redirect(ctx, '/');
    const key = ctx.session?.externalKey;
    const current = key ? ((await store.get(key, 0, { rolling: false, ctx })) as { machine?: { context?: SessionContext } } | undefined) : undefined;
    return pages.home(ctx, current?.machine?.context?.user ?? null, null);
  }

  // A session is written when it changes, and to renew its idle timeout at most this often: a page
  // view then costs no store write (nor Set-Cookie) most of the time, and a session ends between
  // idle − renewEvery and idle after its last request (29 to 30 minutes by default).
  const renewEvery = Math.min(60_000, Math.floor(sessionIdleMs / 30));

  const stepper = createStepper(machine, new Set(Object.keys(invoked)));

  /** The session's snapshot made live, or a new visitor's when it does not fit the machine. */
  function restore(saved: Snapshot<unknown> | undefined): { start: SessionSnapshot; saved?: Snapshot<unknown> } {
    if (saved) {
      try {
        return { start: stepper.restore(saved), saved };
      } catch {
        log.warn({ msg: 'session snapshot could not be restored; starting signed out' });
      }
    }
    return { start: stepper.initial };
  }

  /** The events without an actor: the machine's actions run here, through the same
   *  implementations an actor would call, and its invoked promises too, within the settle timeout. */
  async function run(ctx: Context, start: SessionSnapshot, saved: Snapshot<unknown> | undefined, events: SessionEvent[], reply: Reply, from: string): Promise<Settled> {
    const first = stepper.step(start, events);
    if (!first) throw new Error(`the session machine needs an actor for ${events.map((e) => e.type).join(', ')} from ${from}`);
    let next = first;
    const deadline = performance.now() + settleTimeoutMs;
    for (;;) {
      replying = reply;
      try {
        for (const action of next.actions) action.exec?.(action.info, action.params);
      } finally {
        replying = {};
      }
      if (!next.invoke) break;
      // Spending the session's open transaction (a callback's code, a flow abandoned): claimed
      // first, so that of two requests doing it at once only one goes on (StaleSession).
      if (next === first && saved && start.context.transaction) await claimSession(ctx, store);
      const { src, input } = next.invoke;
      const work = invoked[src as keyof typeof invoked] as (input: unknown) => Promise<unknown>;
      // Whole milliseconds, the full timeout the first time: Node keeps one timer list per duration.
      const left = next === first ? settleTimeoutMs : Math.max(1, Math.ceil(deadline - performance.now()));
      const outcome = await within(left, work(input));
      if (!outcome) {
        log.warn({ msg: 'machine did not settle', event: events.at(-1)!.type, from });
        return 'timedOut';
      }
      const after = stepper.step(next.snapshot, [settledEvent(next.invoke, outcome)]);
      if (!after) throw new Error(`the session machine needs an actor after ${src}`);
      next = after;
    }
    const { snapshot } = next;
    if (isPristine(snapshot.value, snapshot.context)) return { snapshot, persisted: undefined };
    // Most page views change nothing (a notice already cleared), nor does a call of the API: what
    // was saved stays as it is.
    return { snapshot, persisted: saved && (snapshot === start || unchanged(start, snapshot)) ? saved : machine.getPersistedSnapshot(snapshot) };
  }

  return async function dispatch(ctx, requested) {
    const expired = await expire(ctx);
    // What a timed-out session held is gone: the request goes on from a clean one (under a new id
    // once it is written), and the old one is ended either way.
    const over = expired ? ctx.session : null;
    if (expired) ctx.session = null;
    const { start, saved } = restore(expired ? undefined : (ctx.session?.machine as Snapshot<unknown> | undefined));
    const from = stateName(start.value);
    const event: SessionEvent = requested.type === 'CALLBACK' ? { ...requested, at: now() } : requested;
    const events: SessionEvent[] = expired ? [{ type: 'EXPIRE' }, event] : [event];
    const reply: Reply = {};
    let signedIn: User | null = null;
    try {
      const settled = await run(ctx, start, saved, events, reply, from);
      if (settled === 'timedOut') {
        // A claim this request holds is let go (the session written back as it was), so that the
        // next request may spend the transaction.
        await releaseClaim(ctx).catch(() => {});
        return refuse(ctx, event, tookTooLong, savedUser(ctx));
      }
      const { snapshot, persisted } = settled;
      signedIn = snapshot.context.user;
      ctx.state.transition = { event: event.type, from, to: stateName(snapshot.value) };

      if (reply.endSession) {
        const account = reply.endSession.user?.accountId;
        if (account) {
          await identity.forget(account).catch((error: unknown) => log.warn({ msg: 'could not forget account', error: (error as Error).name }));
          // The person's other sessions end at their next request too.
          await store.endSessionsBefore(account, now());
        }
        if (over) await over.manuallyCommit();
        else await endSession(ctx, sessionCookie);
        return redirect(ctx, logoutEndpoint);
      }

      // What to answer, decided before the write: a page view that lost a race to a write still
      // shows what it read, as if it had come first.
      const answer = (): Promise<void> | void => {
        if (reply.redirect) return redirect(ctx, reply.redirect);
        const page = reply.page ?? { view: 'home', context: snapshot.context };
        const { user, notice } = page.context;
        if (page.view === 'problem') return refuse(ctx, event, page.problem, user);
        if (page.view === 'api') return pages.api(ctx, user, page.answer);
        return pages.home(ctx, user, notice);
      };
      if (persisted === undefined) {
        // Nothing worth keeping: no store entry and no cookie for a visitor who only looks. (A
        // cookie naming an ended session is left alone: clearing it by name could clear the one
        // that replaced it, sent to the same browser by the request that ended it.)
        if (over) await over.manuallyCommit(); // ctx.session is null: removed, cookie cleared
        else if (ctx.session?.machine) await endSession(ctx, sessionCookie, store);
      } else {
        if (!ctx.session) ctx.session = {};
        ctx.session.startedAt ??= now();
        ctx.session.machine = persisted;
        // Another instance's clock may be ahead: a date in the future renews too.
        const at = now();
        const renewed = ctx.session[RENEWED_AT] as number | undefined;
        if (renewed === undefined || Math.abs(at - renewed) >= renewEvery) ctx.session[RENEWED_AT] = at;
        if (recordEvents) ctx.session.recent = rememberEvent(ctx.session.recent, ctx.state.transition);
        if (reply.renewSession) {
          ctx.session.authAt = at;
          // A new password: every other session of the person ends at its next request.
          if (reply.renewSession.endOtherSessions && signedIn) await store.endSessionsBefore(signedIn.accountId, at);
        }
        try {
          await writeSession(ctx, store, reply.renewSession ? 'signedIn' : expired ? 'timedOut' : false);
        } catch (error) {
          if (error instanceof StaleSession && persisted === saved) return answer();
          throw error;
        }
      }
      return answer();
    } catch (error) {
      if (!(error instanceof StaleSession)) throw error;
      return answerAsItStands(ctx, event, reply, signedIn);
    }
  };
}

/** Who the session, as stored, says is signed in (it is not restored when it does not fit). */
const savedUser = (ctx: Context): User | null | undefined => (ctx.session?.machine as { context?: SessionContext } | undefined)?.context?.user;

/** 'userFlow.authorizing.awaitingCallback', for logs. */
const stateName = (value: StateValue): string =>
  typeof value === 'string' ? value : Object.entries(value).map(([key, child]) => `${key}.${stateName(child!)}`).join(',');

const isPristine = (value: unknown, context: SessionContext) =>
  value === 'signedOut' && context.user === null && context.transaction === null && context.notice === null && (context.resume ?? null) === null;
