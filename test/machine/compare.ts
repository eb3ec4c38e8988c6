// The session machine run two ways, for tests that hold them side by side: by a live xstate actor
// (the reference) and by the bridge's stepper (src/http/machine-step.ts), as the bridge runs it:
// step, carry out the actions, run the invoked promise, step again with how it settled. Each
// invoked promise succeeds or fails as the test says.
import { createActor, fromPromise, waitFor } from 'xstate';
import type { AnyActorRef, Snapshot } from 'xstate';
import { sessionMachine } from '../../machines/session.ts';
import type { ApiAnswer, AuthorizationStart, Problem, SessionContext, SessionEvent, Transaction, User } from '../../machines/session.ts';
import { createStepper, settledEvent, type SessionSnapshot, type Stepper } from '../../src/http/machine-step.ts';

export const alice: User = { accountId: 'alice-oid', givenName: 'Alice', name: 'Alice Liddell' };
export const transaction: Transaction = { flow: 'signUpSignIn', state: 's1', nonce: 'n1', codeVerifier: 'v1', startedAt: 0, expiresAt: 600_000 };
export const start: AuthorizationStart = { url: 'https://idp.test/authorize?state=s2', transaction: { ...transaction, state: 's2' } };
export const answer: ApiAnswer = { status: 200, body: '{"name":"Alice Liddell"}' };

export type Source = 'authorize' | 'redeem' | 'callApi';
export type Outcome = { output: unknown } | { error: unknown };
/** How each invoked promise settles; a source left out succeeds. */
export type Outcomes = Partial<Record<Source, Outcome>>;
const succeeds: Record<Source, Outcome> = { authorize: { output: start }, redeem: { output: alice }, callApi: { output: answer } };

type Done = [type: string, params: unknown];
const calls = new WeakMap<AnyActorRef, Done[]>();
const record = (type: string) => ({ self }: { self: AnyActorRef }, params: unknown) => calls.get(self)!.push([type, params ?? null]);
// The actor's promises read how to settle from here: runs are awaited one at a time.
let settling: Outcomes = {};
const settle = <T>(src: Source) => async (): Promise<T> => {
  const outcome = settling[src] ?? succeeds[src];
  if ('error' in outcome) throw outcome.error;
  return outcome.output as T;
};

export const machine = sessionMachine.provide({
  actions: { render: record('render'), redirect: record('redirect'), renewSession: record('renewSession'), endSession: record('endSession') },
  actors: {
    authorize: fromPromise(settle<AuthorizationStart>('authorize')),
    redeem: fromPromise(settle<User>('redeem')),
    callApi: fromPromise(settle<ApiAnswer>('callApi')),
  },
});

export const newStepper = (): Stepper => createStepper(machine, new Set(['authorize', 'redeem', 'callApi']));

/** A persisted snapshot of a state a session rests in. */
export const rest = (value: unknown, context: Partial<SessionContext> = {}): Snapshot<unknown> =>
  ({ status: 'active', output: undefined, error: undefined, value, historyValue: {}, children: {}, context: { user: null, transaction: null, notice: null, resume: null, ...context } }) as Snapshot<unknown>;

/** What both ways must agree on: where the machine rests, what it holds, what it did, in order. */
export interface Seen {
  value: unknown;
  status: string;
  context: SessionContext;
  children: string[];
  done: Done[];
}

const seen = (snapshot: SessionSnapshot, done: Done[]): Seen => ({
  value: snapshot.value,
  status: snapshot.status,
  context: snapshot.context,
  children: Object.keys(snapshot.children),
  done,
});

export async function byActor(saved: Snapshot<unknown> | undefined, events: readonly SessionEvent[], outcomes: Outcomes): Promise<Seen> {
  settling = outcomes;
  // A copy: the actor must not see what the stepper may have kept of the saved object.
  const actor = createActor(machine, saved ? { snapshot: structuredClone(saved) } : {});
  const done: Done[] = [];
  calls.set(actor, done);
  actor.start();
  for (const event of events) actor.send(event);
  const snapshot = await waitFor(actor, (s) => !s.hasTag('busy'));
  actor.stop();
  return seen(snapshot, done);
}

/** As the bridge runs it, from `from` (a restored snapshot, or the stepper's initial one). */
export function byStepper(stepper: Stepper, from: SessionSnapshot, events: readonly SessionEvent[], outcomes: Outcomes): Seen | string {
  const done: Done[] = [];
  calls.set(stepper.self, done);
  let step = stepper.step(from, events);
  for (;;) {
    if (!step) return `refused ${events.map((e) => e.type).join(', ')}`;
    for (const action of step.actions) action.exec?.(action.info, action.params);
    if (!step.invoke) break;
    const src = step.invoke.src as Source;
    step = stepper.step(step.snapshot, [settledEvent(step.invoke, outcomes[src] ?? succeeds[src])]);
  }
  return seen(step.snapshot, done);
}

/** Parsed JSON frozen all the way down, as the memory store hands out a session it keeps. */
export function deepFrozen<T>(value: T): T {
  const copy = structuredClone(value);
  const freeze = (v: unknown): void => {
    if (v === null || typeof v !== 'object') return;
    Object.values(v).forEach(freeze);
    Object.freeze(v);
  };
  freeze(copy);
  return copy;
}

export const problem: Problem = { status: 503, title: 'The sign-in service is not answering', detail: 'Please try again in a moment.' };
