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
import { RENEWED_AT } from '../session/store.ts';
import type { Logger } from '../log.ts';
import { createStepper, settledEvent, type SessionSnapshot } from './machine-step.ts';
import type { Pages } from './pages.ts';
import { within } from '../within.ts';

/** What the machine decided this request should get, collected by the provided actions. */
interface Reply {
  page?:
    | { view: 'home'; context: SessionContext }
    | { view: 'problem'; context: SessionContext; problem: Problem }
    | { view: 'api'; context: SessionContext; answer: ApiAnswer };
  redirect?: string;
  renewSession?: boolean;
  endSession?: { user: User | null };
}

export interface DispatchOptions {
  identity: Identity;
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

const timedOut: Problem = {
  status: 504,
  title: 'The sign-in service is taking too long',
  detail: 'We stopped waiting for the identity provider. Please try again in a moment.',
};

/** Where a request's events left the machine, and what to keep of it; or no answer in time. */
type Settled = { snapshot: SessionSnapshot; persisted: Snapshot<unknown> | undefined } | 'timedOut';

export function createDispatch({ identity, callApi, now, sessionAbsoluteMs, sessionIdleMs, sessionCookie, logoutEndpoint, settleTimeoutMs, log, pages }: DispatchOptions): Dispatch {
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
      renewSession: () => {
        replying.renewSession = true;
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

  /** A browser whose session ended by timeout: its cookie came back, its session did not (idle, the
   *  store let it go) or is too old (absolute). Forgets what it held; true when that happened. */
  async function expire(ctx: Context): Promise<boolean> {
    if (!ctx.cookies.get(sessionCookie)) return false;
    const startedAt = ctx.session?.startedAt as number | undefined;
    if (startedAt !== undefined && now() - startedAt <= sessionAbsoluteMs) return false;
    const user = savedUser(ctx);
    if (user) await identity.forget(user.accountId).catch(() => false);
    log.info({ msg: 'session expired', absolute: startedAt !== undefined });
    ctx.session = null;
    return true;
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
  async function run(start: SessionSnapshot, saved: Snapshot<unknown> | undefined, events: SessionEvent[], reply: Reply, from: string): Promise<Settled> {
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
    // Most page views change nothing (a notice already cleared): what was saved stays as it is.
    return { snapshot, persisted: saved && snapshot === start ? saved : machine.getPersistedSnapshot(snapshot) };
  }

  return async function dispatch(ctx, requested) {
    const expired = await expire(ctx);
    const { start, saved } = restore(expired ? undefined : (ctx.session?.machine as Snapshot<unknown> | undefined));
    const from = stateName(start.value);
    const event: SessionEvent = requested.type === 'CALLBACK' ? { ...requested, at: now() } : requested;
    const events: SessionEvent[] = expired ? [{ type: 'EXPIRE' }, event] : [event];
    const reply: Reply = {};
    const settled = await run(start, saved, events, reply, from);
    if (settled === 'timedOut') return pages.problem(ctx, timedOut, savedUser(ctx));
    const { snapshot, persisted } = settled;
    const pristine = persisted === undefined;
    ctx.state.transition = { event: event.type, from, to: stateName(snapshot.value) };

    if (reply.endSession) {
      const account = reply.endSession.user?.accountId;
      if (account) await identity.forget(account).catch((error: unknown) => log.warn({ msg: 'could not forget account', error: (error as Error).name }));
      ctx.session = null;
      return redirect(ctx, logoutEndpoint);
    }

    if (pristine) {
      // Nothing worth keeping: no store entry and no cookie for a visitor who only looks.
      if (ctx.session?.machine) ctx.session = null;
    } else {
      if (!ctx.session) ctx.session = {};
      ctx.session.startedAt ??= now();
      ctx.session.machine = persisted;
      // Another instance's clock may be ahead: a date in the future renews too.
      const at = now();
      const renewed = ctx.session[RENEWED_AT] as number | undefined;
      if (renewed === undefined || Math.abs(at - renewed) >= renewEvery) ctx.session[RENEWED_AT] = at;
      if (reply.renewSession) await ctx.session.regenerate();
    }

    if (reply.redirect) return redirect(ctx, reply.redirect);
    const page = reply.page ?? { view: 'home', context: snapshot.context };
    const { user, notice } = page.context;
    if (page.view === 'problem') return pages.problem(ctx, page.problem, user);
    if (page.view === 'api') return pages.api(ctx, user, page.answer);
    return pages.home(ctx, user, notice);
  };
}

/** Who the session, as stored, says is signed in (it is not restored when it does not fit). */
const savedUser = (ctx: Context): User | null | undefined => (ctx.session?.machine as { context?: SessionContext } | undefined)?.context?.user;

/** Printable ASCII only: what the machine's URLs (built with URL, or '/') and B2C's are. */
const PLAIN_URL = /^[\x21-\x7e]+$/;

/** A 302 without Koa's `ctx.redirect` work (content negotiation, the URL re-encoded and HTML-escaped
 *  into a body: ~9% of a /signin's CPU time); any other URL still goes through Koa. */
function redirect(ctx: Context, url: string): void {
  if (!PLAIN_URL.test(url)) return ctx.redirect(url);
  ctx.status = 302;
  ctx.set('Location', url);
  ctx.type = 'text/plain';
  ctx.body = 'Redirecting.';
}

/** 'userFlow.authorizing.awaitingCallback', for logs. */
const stateName = (value: StateValue): string =>
  typeof value === 'string' ? value : Object.entries(value).map(([key, child]) => `${key}.${stateName(child!)}`).join(',');

const isPristine = (value: unknown, context: SessionContext) =>
  value === 'signedOut' && context.user === null && context.transaction === null && context.notice === null && (context.resume ?? null) === null;
