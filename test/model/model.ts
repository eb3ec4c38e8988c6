// The test model: what a person (or an attacker) does in a browser, and the machine events each act
// causes once the browser has followed every redirect, as the app's bridge sends them: one event per
// request, restored from and persisted to a snapshot. The identity provider is played here
// deterministically and its actors finish as soon as they start, so a step is synchronous and
// xstate/graph can walk the model.
import { createActor, fromTransition } from 'xstate';
import type { AnyStateMachine, InspectionEvent, PromiseActorLogic, Snapshot, StateValue } from 'xstate';
import type { ApiAnswer, AuthorizationStart, CallbackParams, Flow, Problem, SessionContext, SessionEvent, Transaction, User } from '../../machines/session.ts';
import { tokenRejected, unavailable } from '../../src/identity/problems.ts';
import { actsAtPage, answerAt, idpPage, type IdpPage } from './idp.ts';
import { modeOf } from './modes.ts';

export type Button = 'SIGN_IN' | 'EDIT_PROFILE' | 'RESET_PASSWORD';
export const BUTTONS: readonly Button[] = ['SIGN_IN', 'EDIT_PROFILE', 'RESET_PASSWORD'];

export type Act =
  | { type: 'VISIT_HOME' | Button | 'SIGN_OUT' }
  /** The button, while the app cannot reach the identity provider. */
  | { type: 'AUTHORIZE_FAILS'; button: Button }
  /**
   * At the emulator's page of the open flow: CODE completes it (signs in, saves the profile, sets
   * the password), SIGN_UP creates an account, CANCEL and FORGOT press those (idp.ts: what each
   * provider then answers), SPOILT completes it while the emulator spoils the ID token. ERROR and
   * NO_CODE are answers to this transaction that carry an IdP error, or nothing; FORGED is a
   * callback the app never asked for.
   */
  | { type: `CALLBACK_${'CODE' | 'SIGN_UP' | 'CANCEL' | 'FORGOT' | 'SPOILT' | 'ERROR' | 'NO_CODE' | 'FORGED'}` }
  /** LATE completes the flow after its transaction expired; SESSION_EXPIRES visits home after the
   *  session's absolute timeout. Both move the app's clock for that one act. */
  | { type: 'CALLBACK_LATE' | 'SESSION_EXPIRES' }
  /**
   * The "Call API" button. REVOKED: B2C has revoked the person's refresh tokens (a new sign-in
   * fixes it); REFUSED: the API answers 401 whatever token it gets; FAILS: the API answers 500;
   * UNCONFIGURED: /api of an instance that has no API configured (same sessions).
   */
  | { type: 'CALL_API' | 'CALL_API_REVOKED' | 'CALL_API_REFUSED' | 'CALL_API_FAILS' | 'CALL_API_UNCONFIGURED' }
  /** The identity provider's own session ends (it expired, or was signed out elsewhere) while the
   *  app's goes on; the person then visits home. Its next user flow asks for the password again. */
  | { type: 'IDP_SESSION_ENDS' };

export type { IdpPage };

/** What the browser shows at the end of a step. */
export type View =
  | { at: 'home'; signedIn: boolean; notice: string | null }
  | { at: 'problem'; signedIn: boolean; problem: Problem }
  | { at: 'api'; signedIn: boolean }
  | { at: 'idp'; flow: Flow; page: IdpPage };

export type Persisted = Snapshot<unknown> & { value: StateValue; context: SessionContext };

export interface World {
  /** The machine's snapshot as the app persists it. */
  session: Persisted;
  /** The browser holds the emulator's SSO session: sign-in completes without a page. */
  sso: boolean;
}

export interface Outcome {
  world: World;
  view: View;
  /** The machine events the app received, in order. */
  events: SessionEvent[];
  /** The session id was renewed (signed in). */
  renewed: boolean;
  /** The server session was ended and the browser sent through the provider's logout. */
  ended: boolean;
  /** The machine's inspection events for those requests: what it took, for coverage. */
  inspections: InspectionEvent[];
}

export const IDP_ERROR = 'AADB2C90000: The identity provider could not complete the request.';
const MODEL_USER: User = { accountId: 'model', givenName: 'Model', name: 'Model' };

/** What the world does to one act's requests. `apiRevoked` is spent by the first call it fails. */
interface Fate { authorizeFails?: boolean; redeemRejected?: boolean; apiRevoked?: boolean; apiRefuses?: boolean; apiFails?: boolean; noApi?: boolean }
interface Reply { page?: View; redirect?: string; renewed?: boolean; ended?: boolean }

// Requests run synchronously, one at a time, so the effects can write to this.
let current: { reply: Reply; fate: Fate } | undefined;
function active(): { reply: Reply; fate: Fate } {
  if (!current) throw new Error('an effect ran outside a model request');
  return current;
}

/** Actor logic that is done (or failed) the moment it starts: the machine settles within send(). */
function instant<TOutput, TInput>(outcome: (input: TInput) => TOutput): PromiseActorLogic<TOutput, TInput> {
  return {
    transition: (snapshot) => snapshot,
    getInitialSnapshot: (_scope, input) => {
      try {
        return { status: 'done', output: outcome(input), error: undefined, input };
      } catch (error) {
        return { status: 'error', output: undefined, error, input };
      }
    },
    getPersistedSnapshot: (snapshot) => snapshot,
  };
}

const withEffects = (machine: AnyStateMachine): AnyStateMachine =>
  machine.provide({
    actions: {
      render: ({ context }: { context: SessionContext }, params: { page: 'home' } | { page: 'problem'; problem: Problem } | { page: 'api' }) => {
        const signedIn = context.user !== null;
        active().reply.page =
          params.page === 'home' ? { at: 'home', signedIn, notice: context.notice } : params.page === 'problem' ? { at: 'problem', signedIn, problem: params.problem } : { at: 'api', signedIn };
      },
      redirect: (_: unknown, { url }: { url: string }) => void (active().reply.redirect = url),
      renewSession: () => void (active().reply.renewed = true),
      endSession: () => void (active().reply.ended = true),
    },
    actors: {
      authorize: instant<AuthorizationStart, { flow: Flow }>(({ flow }) => {
        if (active().fate.authorizeFails) throw unavailable('the model cut the identity provider');
        const transaction: Transaction = { flow, state: `state-${flow}`, nonce: 'nonce', codeVerifier: 'verifier', startedAt: 0, expiresAt: ON_TIME };
        return { url: `https://idp.invalid/${flow}`, transaction };
      }),
      redeem: instant<User, { transaction: Transaction; params: CallbackParams }>(() => {
        if (active().fate.redeemRejected) throw tokenRejected('the model spoilt the ID token');
        return MODEL_USER;
      }),
      callApi: instant<ApiAnswer, { user: User }>(() => {
        const fate = active().fate;
        if (fate.apiRevoked) {
          fate.apiRevoked = false;
          throw Object.assign(new Error('refresh token revoked'), { needsSignIn: true });
        }
        if (fate.apiRefuses) throw Object.assign(new Error('the API answers 401'), { needsSignIn: true });
        if (fate.apiFails) throw { status: 502, title: 'The web API failed', detail: 'The API answered with an error (HTTP 500). You are still signed in; please try again later.' };
        return { status: 200, body: '{}' };
      }),
    },
    guards: {
      apiConfigured: () => !active().fate.noApi,
    },
  });

const provided = new WeakMap<AnyStateMachine, AnyStateMachine>();
const effectful = (machine: AnyStateMachine) => provided.get(machine) ?? provided.set(machine, withEffects(machine)).get(machine)!;

/** One HTTP request as the app's bridge handles it: restore, send one event, settle, persist. */
function request(machine: AnyStateMachine, saved: Persisted | undefined, event: SessionEvent, fate: Fate = {}) {
  const inspections: InspectionEvent[] = [];
  current = { reply: {}, fate };
  try {
    const actor = createActor(effectful(machine), { ...(saved ? { snapshot: saved } : {}), inspect: (e) => void inspections.push(e) });
    actor.start();
    actor.send(event);
    const snapshot = actor.getSnapshot();
    if (snapshot.hasTag('busy')) throw new Error(`the machine did not settle after ${event.type}`);
    const session = JSON.parse(JSON.stringify(actor.getPersistedSnapshot())) as Persisted;
    actor.stop();
    return { session, reply: current.reply, inspections };
  } finally {
    current = undefined;
  }
}

export function initialWorld(machine: AnyStateMachine): World {
  const actor = createActor(effectful(machine)).start();
  const session = JSON.parse(JSON.stringify(actor.getPersistedSnapshot())) as Persisted;
  actor.stop();
  return { session, sso: false };
}

// The model's clock: every callback arrives at ON_TIME, a late one after it.
const ON_TIME = 0;
const LATE = ON_TIME + 1;

const callback = (transaction: Transaction | null, params: Omit<CallbackParams, 'state'>, at = ON_TIME): SessionEvent => {
  if (!transaction) throw new Error('no open transaction to answer');
  return { type: 'CALLBACK', params: { state: transaction.state, ...params }, at };
};

/** Nothing worth keeping: the app stores no session and the browser holds no cookie. */
const pristine = ({ value, context }: Persisted) =>
  value === 'signedOut' && context.user === null && context.transaction === null && context.notice === null && (context.resume ?? null) === null;

/** One act of the person, with every redirect followed, as the model predicts it. */
export function step(machine: AnyStateMachine, world: World, act: Act): Outcome {
  let { session, sso } = world;
  const out: Omit<Outcome, 'world' | 'view'> = { events: [], renewed: false, ended: false, inspections: [] };

  // The act's fate holds for every request it makes, redirects followed included.
  let fate: Fate = {};
  const send = (event: SessionEvent): Reply => {
    const result = request(machine, session, event, fate);
    session = result.session;
    out.events.push(event);
    out.inspections.push(...result.inspections);
    out.renewed ||= result.reply.renewed === true;
    return result.reply;
  };
  // What the browser does with an answer.
  const follow = (reply: Reply): View => {
    const { context } = session;
    if (reply.redirect === '/api') return follow(send({ type: 'CALL_API' }));
    if (reply.ended) {
      out.ended = true;
      sso = false; // the provider's logout ends its session, then sends the browser home
      return follow(send({ type: 'SHOW' }));
    }
    if (reply.redirect === '/') return follow(send({ type: 'SHOW' }));
    if (reply.redirect) {
      const { flow } = context.transaction!;
      if (flow === 'signUpSignIn' && sso) return follow(send(callback(context.transaction, { code: 'sso-code' })));
      return { at: 'idp', flow, page: idpPage(flow, sso) };
    }
    return reply.page ?? { at: 'home', signedIn: context.user !== null, notice: context.notice };
  };

  const open = session.context.transaction;
  let view: View;
  switch (act.type) {
    case 'VISIT_HOME': view = follow(send({ type: 'SHOW' })); break;
    case 'SIGN_IN': case 'EDIT_PROFILE': case 'RESET_PASSWORD': case 'SIGN_OUT': view = follow(send({ type: act.type })); break;
    case 'AUTHORIZE_FAILS': fate = { authorizeFails: true }; view = follow(send({ type: act.button })); break;
    case 'CALLBACK_CODE': case 'CALLBACK_SIGN_UP':
      sso = true;
      view = follow(send(callback(open, { code: 'code' })));
      break;
    case 'CALLBACK_SPOILT':
      sso = true;
      fate = { redeemRejected: true };
      view = follow(send(callback(open, { code: 'code' })));
      break;
    case 'CALLBACK_CANCEL': case 'CALLBACK_FORGOT': {
      const { params, completes } = answerAt(modeOf(machine), act.type);
      sso ||= completes;
      view = follow(send(callback(open, params)));
      break;
    }
    case 'CALLBACK_ERROR': view = follow(send(callback(open, { error: 'server_error', errorDescription: IDP_ERROR }))); break;
    case 'CALLBACK_NO_CODE': view = follow(send(callback(open, {}))); break;
    case 'CALLBACK_FORGED': view = follow(send({ type: 'CALLBACK', params: { state: 'forged-state', code: 'forged-code' }, at: ON_TIME })); break;
    case 'CALLBACK_LATE':
      sso = true;
      view = follow(send(callback(open, { code: 'code' }, LATE)));
      break;
    case 'CALL_API': view = follow(send({ type: 'CALL_API' })); break;
    case 'CALL_API_REVOKED': fate = { apiRevoked: true }; view = follow(send({ type: 'CALL_API' })); break;
    case 'CALL_API_REFUSED': fate = { apiRefuses: true }; view = follow(send({ type: 'CALL_API' })); break;
    case 'CALL_API_FAILS': fate = { apiFails: true }; view = follow(send({ type: 'CALL_API' })); break;
    case 'CALL_API_UNCONFIGURED': fate = { noApi: true }; view = follow(send({ type: 'CALL_API' })); break;
    case 'IDP_SESSION_ENDS':
      sso = false;
      view = follow(send({ type: 'SHOW' }));
      break;
    case 'SESSION_EXPIRES':
      session = initialWorld(machine).session; // the bridge starts from nothing...
      send({ type: 'EXPIRE' }); // ...says so...
      view = follow(send({ type: 'SHOW' })); // ...and then handles the visit
      break;
  }
  return { ...out, world: { session, sso }, view };
}

/** Whether the button would make the app start a user flow (ask `authorize`) from here. */
function authorizes(machine: AnyStateMachine, world: World, button: Button): boolean {
  const { inspections } = request(machine, world.session, { type: button }, { authorizeFails: true });
  return inspections.some((e) => e.type === '@xstate.microstep' && e._transitions.some((t) => t.eventType.startsWith('xstate.error.actor.')));
}

/** What the person (or an attacker) can do from here. */
export function actsFrom(machine: AnyStateMachine, world: World): Act[] {
  const acts: Act[] = (['VISIT_HOME', ...BUTTONS, 'SIGN_OUT', 'CALLBACK_FORGED', 'CALL_API'] as const).map((type) => ({ type }));
  // What the API and B2C can do to a call: tried from a signed-in page, and the unconfigured
  // instance from there and from a first visit.
  // A revocation is tried where a new sign-in follows at once (SSO): the model lets it go after the
  // act, and so does the emulator once the person has signed in again.
  if (world.session.value === 'signedIn') acts.push(...(world.sso ? [{ type: 'CALL_API_REVOKED' } as const] : []), { type: 'CALL_API_REFUSED' }, { type: 'CALL_API_FAILS' });
  if (world.session.value === 'signedIn' || pristine(world.session)) acts.push({ type: 'CALL_API_UNCONFIGURED' });
  for (const button of BUTTONS) if (authorizes(machine, world, button)) acts.push({ type: 'AUTHORIZE_FAILS', button });
  if (!pristine(world.session)) acts.push({ type: 'SESSION_EXPIRES' });
  if (world.sso && world.session.value === 'signedIn') acts.push({ type: 'IDP_SESSION_ENDS' });
  const open = world.session.context.transaction;
  if (open) {
    for (const type of actsAtPage(modeOf(machine), idpPage(open.flow, world.sso))) acts.push({ type } as Act);
    acts.push({ type: 'CALLBACK_ERROR' }, { type: 'CALLBACK_NO_CODE' });
  }
  return acts;
}

/** What tells two worlds apart for the person: the state, whether someone is signed in, SSO. */
export const keyOf = ({ session: { value, context }, sso }: World): string =>
  JSON.stringify({ value, user: context.user !== null, notice: context.notice, resume: context.resume ?? null, sso });

export const describeAct = (act: Act): string => (act.type === 'AUTHORIZE_FAILS' ? `AUTHORIZE_FAILS(${act.button})` : act.type);

/** The model as actor logic, for xstate/graph. */
export const modelLogic = (machine: AnyStateMachine) =>
  fromTransition((world: World, act: Act) => step(machine, world, act).world, initialWorld(machine));
