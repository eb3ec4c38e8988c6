// The bridge between HTTP and the statechart: restore this browser's snapshot, send one event,
// carry out the machine's actions, wait until no `busy` state is active, persist it, answer. The
// events are stepped without an actor (./machine-step.ts) and the invoked identity calls run here;
// a machine that needed a live actor (delays, other invoked actors) would be refused loudly.
import type { Context } from 'koa';
import { fromPromise } from 'xstate';
import type { Snapshot, StateValue } from 'xstate';
import { sessionMachine } from '../../machines/session.ts';
import type { ApiAnswer, CallbackParams, Flow, Problem, SessionContext, SessionEvent, Transaction, User } from '../../machines/session.ts';
import type { Capabilities } from '../config.ts';
import type { Identity } from '../identity/index.ts';
import { StaleSession, type SessionStore } from '../session/store.ts';
import { rememberEvent } from '../flow/view.ts';
import type { Logger } from '../log.ts';
import { createStepper, settledEvent, unchanged, type SessionSnapshot } from './machine-step.ts';
import type { Pages } from './pages.ts';
import { within } from '../within.ts';
import type { PendingCookie } from './pending-cookie.ts';
import { createKeeping, savedUser, type Loaded } from './session-keeping.ts';
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
  /** What the identity provider offers beyond sign-in (the machine's guards read it). */
  capabilities: Capabilities;
  now: () => number;
  /** A session older than this ends (its idle timeout is the store's maxAge). */
  sessionAbsoluteMs: number;
  /** The idle timeout: how long the store keeps a session after it was last written. */
  sessionIdleMs: number;
  sessionCookie: string;
  /** Where a visitor's session is kept until sign-in completes. */
  pending: PendingCookie;
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

export function createDispatch({ identity, store, recordEvents, callApi, capabilities, now, sessionAbsoluteMs, sessionIdleMs, sessionCookie, pending, logoutEndpoint, settleTimeoutMs, log, pages }: DispatchOptions): Dispatch {
  const keeping = createKeeping({ store, pending, identity, log, now, sessionAbsoluteMs, sessionIdleMs, sessionCookie });
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
      editProfileOffered: () => capabilities.editProfile,
      resetPasswordOffered: () => capabilities.resetPassword,
    },
  });

  /** Identity failures are logged by their reason, which never holds a token, code or claim. */
  function logged<T>(step: string, work: Promise<T>): Promise<T> {
    return work.catch((error: unknown) => {
      log.warn({ msg: `${step} failed`, status: (error as Problem).status, reason: (error as { reason?: string }).reason ?? (error as Error).name });
      throw error;
    });
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
    return pages.home(ctx, await keeping.current(ctx), null);
  }

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
  async function run(ctx: Context, start: SessionSnapshot, loaded: Loaded, events: SessionEvent[], reply: Reply, from: string): Promise<Settled> {
    const { saved } = loaded;
    const first = stepper.step(start, events);
    if (!first) throw new Error(`the session machine needs an actor for ${events.map((e) => e.type).join(', ')} from ${from}`);
    let next = first;
    // What this request spent of the session's open transaction, to give back if it fails.
    let spent: { state: string | undefined } | undefined;
    const deadline = performance.now() + settleTimeoutMs;
    for (;;) {
      replying = reply;
      try {
        for (const action of next.actions) action.exec?.(action.info, action.params);
      } finally {
        replying = {};
      }
      if (!next.invoke) break;
      const { src, input } = next.invoke;
      // Spending the session's open transaction (a callback's code, a flow abandoned): only one
      // request may (./session-keeping.ts).
      if (next === first && saved && start.context.transaction) spent = { state: await keeping.spend(ctx, loaded, start.context.transaction, src === 'redeem') };
      const work = invoked[src as keyof typeof invoked] as (input: unknown) => Promise<unknown>;
      // Whole milliseconds, the full timeout the first time: Node keeps one timer list per duration.
      const left = next === first ? settleTimeoutMs : Math.max(1, Math.ceil(deadline - performance.now()));
      const outcome = await within(left, work(input));
      if (!outcome) {
        log.warn({ msg: 'machine did not settle', event: events.at(-1)!.type, from });
        // Let go, so that the next request may spend the transaction (a claimed session is
        // written back as it was).
        if (spent) await keeping.unspend(ctx, spent.state).catch(() => {});
        return 'timedOut';
      }
      // A visitor's spent mark stays only for a completed sign-in; a claimed session is written next.
      if (spent?.state !== undefined && 'error' in outcome) {
        await keeping.unspend(ctx, spent.state);
        spent = undefined;
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
    const loaded = await keeping.load(ctx);
    const { start } = restore(loaded.saved);
    const from = stateName(start.value);
    const event: SessionEvent = requested.type === 'CALLBACK' ? { ...requested, at: now() } : requested;
    const events: SessionEvent[] = loaded.expired ? [{ type: 'EXPIRE' }, event] : [event];
    const reply: Reply = {};
    let signedIn: User | null = null;
    try {
      const settled = await run(ctx, start, loaded, events, reply, from);
      if (settled === 'timedOut') return refuse(ctx, event, tookTooLong, savedUser(ctx));
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
        await keeping.end(ctx, loaded);
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
      const recent = recordEvents ? rememberEvent(loaded.recent, ctx.state.transition) : undefined;
      try {
        await keeping.keep(ctx, loaded, persisted, signedIn, reply.renewSession, recent);
      } catch (error) {
        if (!(error instanceof StaleSession) || persisted !== loaded.saved || persisted === undefined) throw error;
      }
      ctx.state.sessionRef = keeping.ref(ctx, loaded, signedIn !== null);
      return answer();
    } catch (error) {
      if (!(error instanceof StaleSession)) throw error;
      return answerAsItStands(ctx, event, reply, signedIn);
    }
  };
}

/** 'userFlow.authorizing.awaitingCallback', for logs. */
const stateName = (value: StateValue): string =>
  typeof value === 'string' ? value : Object.entries(value).map(([key, child]) => `${key}.${stateName(child!)}`).join(',');

const isPristine = (value: unknown, context: SessionContext) =>
  value === 'signedOut' && context.user === null && context.transaction === null && context.notice === null && (context.resume ?? null) === null;
