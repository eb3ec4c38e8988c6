// The bridge steps the statechart without an actor (src/http/machine-step.ts): from every state a
// session rests in, every event must give what an actor gives: the same state, the same context,
// the same named actions with the same parameters. And what it cannot do, it must refuse.
import { describe, expect, it } from 'vitest';
import { createActor, fromPromise, waitFor } from 'xstate';
import type { AnyActorRef, Snapshot } from 'xstate';
import { sessionMachine } from '../../machines/session.ts';
import type { ApiAnswer, AuthorizationStart, SessionContext, SessionEvent, Transaction, User } from '../../machines/session.ts';
import { createStepper, settledEvent, type SessionSnapshot } from '../../src/http/machine-step.ts';

const alice: User = { accountId: 'alice-oid', givenName: 'Alice', name: 'Alice Liddell' };
const transaction: Transaction = { flow: 'signUpSignIn', state: 's1', nonce: 'n1', codeVerifier: 'v1', startedAt: 0, expiresAt: 600_000 };
const start: AuthorizationStart = { url: 'https://idp.test/authorize?state=s2', transaction: { ...transaction, state: 's2' } };
const answer: ApiAnswer = { status: 200, body: '{"name":"Alice Liddell"}' };

type Done = [type: string, params: unknown];
const calls = new WeakMap<AnyActorRef, Done[]>();
const record = (type: string) => ({ self }: { self: AnyActorRef }, params: unknown) => calls.get(self)!.push([type, params ?? null]);
const machine = sessionMachine.provide({
  actions: { render: record('render'), redirect: record('redirect'), renewSession: record('renewSession'), endSession: record('endSession') },
  actors: { authorize: fromPromise(async () => start), redeem: fromPromise(async () => alice), callApi: fromPromise(async () => answer) },
});

const rest = (value: unknown, context: Partial<SessionContext> = {}): Snapshot<unknown> =>
  ({ status: 'active', output: undefined, error: undefined, value, historyValue: {}, children: {}, context: { user: null, transaction: null, notice: null, resume: null, ...context } }) as Snapshot<unknown>;

const resting: Record<string, Snapshot<unknown> | undefined> = {
  new: undefined,
  'signed out with a notice': rest('signedOut', { notice: 'Please sign in to edit your profile' }),
  'signed in': rest('signedIn', { user: alice }),
  'at B2C, signed out': rest({ userFlow: { authorizing: 'awaitingCallback' } }, { transaction }),
  'at B2C, signed in': rest({ userFlow: { editingProfile: 'awaitingCallback' } }, { user: alice, transaction: { ...transaction, flow: 'editProfile' } }),
  'at B2C to call the API': rest({ userFlow: { authorizing: 'awaitingCallback' } }, { transaction, resume: 'api' }),
  'signed in to call the API': rest('signedIn', { user: alice, resume: 'api' }),
};

const events: SessionEvent[] = [
  { type: 'SHOW' },
  { type: 'SIGN_IN' },
  { type: 'EDIT_PROFILE' },
  { type: 'RESET_PASSWORD' },
  { type: 'SIGN_OUT' },
  { type: 'CALL_API' },
  { type: 'EXPIRE' },
  { type: 'CALLBACK', params: { state: 's1', code: 'c' }, at: 1 },
  { type: 'CALLBACK', params: { state: 'other', code: 'c' }, at: 1 },
  { type: 'CALLBACK', params: { state: 's1', error: 'access_denied', errorDescription: 'AADB2C90091: cancelled' }, at: 1 },
  { type: 'CALLBACK', params: { state: 's1', error: 'access_denied', errorDescription: 'AADB2C90118: forgot' }, at: 1 },
  { type: 'CALLBACK', params: { state: 's1', code: 'c' }, at: 700_000 },
];

async function byActor(saved: Snapshot<unknown> | undefined, event: SessionEvent) {
  const actor = createActor(machine, saved ? { snapshot: saved } : {});
  const done: Done[] = [];
  calls.set(actor, done);
  actor.start();
  actor.send(event);
  const snapshot = await waitFor(actor, (s) => !s.hasTag('busy'));
  actor.stop();
  return { value: snapshot.value, context: snapshot.context, done };
}

/** As the bridge runs it: step, carry out the actions, run an invoked promise, step again. */
async function byStepper(saved: Snapshot<unknown> | undefined, event: SessionEvent) {
  const stepper = createStepper(machine, new Set(['authorize', 'redeem', 'callApi']));
  const done: Done[] = [];
  calls.set(stepper.self, done);
  let step = stepper.step(saved ? stepper.restore(saved) : stepper.initial, [event]);
  for (;;) {
    if (!step) throw new Error(`refused ${event.type}`);
    for (const action of step.actions) action.exec?.(action.info, action.params);
    if (!step.invoke) break;
    const output = { authorize: start, redeem: alice, callApi: answer }[step.invoke.src];
    step = stepper.step(step.snapshot, [settledEvent(step.invoke, { output })]);
  }
  return { value: step.snapshot.value, context: step.snapshot.context, done };
}

describe('stepping without an actor', () => {
  for (const [name, saved] of Object.entries(resting)) {
    for (const event of events) {
      it(`${name}, ${event.type}${event.type === 'CALLBACK' ? ` ${JSON.stringify(event.params)} at ${event.at}` : ''}: as an actor`, async () => {
        expect(await byStepper(saved, event)).toEqual(await byActor(saved, event));
      });
    }
  }

  it('reports the promise a busy state invokes, with its input, and its failure reaches onError', () => {
    const stepper = createStepper(machine, new Set(['authorize', 'redeem', 'callApi']));
    const busy = stepper.step(stepper.initial, [{ type: 'SIGN_IN' }])!;
    expect(busy.snapshot.hasTag('busy')).toBe(true);
    expect(busy.invoke).toMatchObject({ src: 'authorize', input: { flow: 'signUpSignIn' } });
    const failed = stepper.step(busy.snapshot, [settledEvent(busy.invoke!, { error: { status: 503, title: 'Down', detail: 'Try later' } })])!;
    expect(failed.snapshot.value).toBe('signedOut');
    expect(failed.actions.map((action) => [action.type, action.params])).toEqual([['render', { page: 'problem', problem: { status: 503, title: 'Down', detail: 'Try later' } }]]);
  });

  it('refuses what only a live actor can do: here, a promise it was not told it may run', () => {
    const stepper = createStepper(machine, new Set(['redeem']));
    expect(stepper.step(stepper.initial, [{ type: 'SIGN_IN' }])).toBeUndefined();
    expect(stepper.step(stepper.initial, [{ type: 'SHOW' }])).toBeDefined();
  });

  it('keeps a step by events that carry nothing with the snapshot it started from; each sign-in still gets its own transaction', () => {
    const stepper = createStepper(machine, new Set(['authorize', 'redeem', 'callApi']));
    const show = () => stepper.step(stepper.initial, [{ type: 'SHOW' }]);
    expect(show()).toBe(show());
    const transactions = ['s7', 's8'].map((state) => {
      const busy = stepper.step(stepper.initial, [{ type: 'SIGN_IN' }])!;
      const output: AuthorizationStart = { url: `https://idp.test/?state=${state}`, transaction: { ...transaction, state } };
      return stepper.step(busy.snapshot, [settledEvent(busy.invoke!, { output })])!.snapshot.context.transaction?.state;
    });
    expect(transactions).toEqual(['s7', 's8']);
    // Kept with that snapshot object only: the same session restored again steps afresh.
    const restored: SessionSnapshot = stepper.restore(rest('signedOut')!);
    expect(stepper.step(restored, [{ type: 'SHOW' }])).toBe(stepper.step(restored, [{ type: 'SHOW' }]));
    expect(stepper.step(stepper.restore(rest('signedOut')!), [{ type: 'SHOW' }])).not.toBe(stepper.step(restored, [{ type: 'SHOW' }]));
    // A view that changes nothing answers its start itself; one that clears a notice, a new snapshot.
    const signedIn = stepper.restore(resting['signed in']!);
    expect(stepper.step(signedIn, [{ type: 'SHOW' }])!.snapshot).toBe(signedIn);
    const noticed = stepper.restore(resting['signed out with a notice']!);
    const cleared = stepper.step(noticed, [{ type: 'SHOW' }])!.snapshot;
    expect(cleared).not.toBe(noticed);
    expect(cleared.context.notice).toBeNull();
    // An event that carries something is stepped every time.
    const callback = { type: 'CALLBACK', params: { state: 's7', code: 'c' }, at: 0 } as const;
    expect(stepper.step(restored, [callback])).not.toBe(stepper.step(restored, [callback]));
  });
});
