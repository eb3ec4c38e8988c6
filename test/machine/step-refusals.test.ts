// What the stepper must refuse (src/http/machine-step.ts): anything only a live actor can do. The
// bridge then fails loudly instead of answering as if it had been done. Each cause on a small
// machine of its own, beside the same machine without it (accepted), so that the refusal is the
// cause's; and on the session machine, each promise the stepper was not told it may run.
import { describe, expect, it } from 'vitest';
import { cancel, createActor, emit, fromCallback, fromPromise, log, raise, sendTo, setup, spawnChild } from 'xstate';
import type { AnyStateMachine, EventObject } from 'xstate';
import type { SessionEvent } from '../../machines/session.ts';
import { createStepper } from '../../src/http/machine-step.ts';
import { alice, machine as sessionMachine, rest, transaction } from './compare.ts';

const base = setup({
  actions: { note: () => {} },
  actors: { authorize: fromPromise(async () => 'started'), listen: fromCallback(() => () => {}) },
});

/** A machine resting in `idle`, where GO does what `go` says (and PLAIN only a named action). */
const variant = (go: object, states: object = {}): AnyStateMachine =>
  base.createMachine({
    id: 'variant',
    initial: 'idle',
    on: { PLAIN: { actions: 'note' } },
    states: { idle: { on: { GO: go } }, ...states },
  });

const stepOf = (machine: AnyStateMachine, event: EventObject, promises = ['authorize']) => {
  const stepper = createStepper(machine as unknown as typeof sessionMachine, new Set(promises));
  return stepper.step(stepper.initial, [event]);
};

const causes: [cause: string, machine: AnyStateMachine][] = [
  ['a delayed raise', variant({ actions: raise({ type: 'PLAIN' }, { delay: 1_000 }) })],
  ['a delayed transition (after)', variant({ target: 'waiting' }, { waiting: { after: { 1_000: 'idle' } } })],
  ['an event sent to an actor (sendTo)', variant({ actions: sendTo(({ self }) => self, { type: 'PLAIN' }) })],
  ['an emitted event (emit)', variant({ actions: emit({ type: 'NOTIFY' }) })],
  ['a delayed event cancelled (cancel)', variant({ actions: cancel('later') })],
  ['a log line (log): an action of xstate it does not know', variant({ actions: log('hello') })],
  ['a callback actor invoked', variant({ target: 'listening' }, { listening: { tags: 'busy', invoke: { src: 'listen' } } })],
  ['an inline promise, which has no name it was told', variant({ target: 'busy' }, { busy: { tags: 'busy', invoke: { src: fromPromise(async () => 1) } } })],
  ['two promises at once', variant({ target: 'busy' }, { busy: { tags: 'busy', invoke: [{ id: 'a', src: 'authorize' }, { id: 'b', src: 'authorize' }] } })],
  ['a busy state waiting for nothing', variant({ target: 'busy' }, { busy: { tags: 'busy' } })],
  ['a promise invoked in a state at rest (not busy)', variant({ target: 'resting' }, { resting: { invoke: { src: 'authorize' } } })],
  ['a child spawned that stays', variant({ actions: spawnChild('authorize', { id: 'stays' }) })],
];

describe('refuses what only a live actor can do', () => {
  it.each(causes)('%s', (cause, machine) => {
    expect(stepOf(machine, { type: 'PLAIN' }), `the stepper refused the machine of "${cause}" without it`).toMatchObject({ actions: [{ type: 'note' }] });
    expect(stepOf(machine, { type: 'GO' }), `the stepper accepted ${cause}, which needs a live actor`).toBeUndefined();
  });

  it('but not a promise invoked and left in the same step: nothing waits for it, as with an actor', async () => {
    const machine = variant({ target: 'passing' }, { passing: { invoke: { src: 'authorize' }, always: 'idle' } });
    const step = stepOf(machine, { type: 'GO' });
    expect(step, 'a promise started and stopped at once is refused').toBeDefined();
    expect(step!.invoke).toBeUndefined();
    const actor = createActor(machine).start();
    actor.send({ type: 'GO' });
    expect([step!.snapshot.value, Object.keys(step!.snapshot.children)], 'stepper and actor differ for a promise left at once').toEqual([actor.getSnapshot().value, Object.keys(actor.getSnapshot().children)]);
    actor.stop();
  });

  it('and a busy state with exactly one promise it was told about is reported, not refused', () => {
    const machine = variant({ target: 'busy' }, { busy: { tags: 'busy', invoke: { id: 'only', src: 'authorize' } } });
    expect(stepOf(machine, { type: 'GO' })?.invoke).toEqual({ id: 'only', src: 'authorize', input: undefined });
  });
});

describe('the session machine: a promise the stepper was not told it may run', () => {
  const all = ['authorize', 'redeem', 'callApi'] as const;
  const signedIn = rest('signedIn', { user: alice });
  const cases: [src: (typeof all)[number], from: ReturnType<typeof rest> | undefined, event: SessionEvent][] = [
    ['authorize', undefined, { type: 'SIGN_IN' }],
    ['authorize', signedIn, { type: 'EDIT_PROFILE' }],
    ['redeem', rest({ userFlow: { authorizing: 'awaitingCallback' } }, { transaction }), { type: 'CALLBACK', params: { state: 's1', code: 'c' }, at: 1 }],
    ['callApi', signedIn, { type: 'CALL_API' }],
  ];
  it.each(cases.map(([src, from, event]) => [src, event.type, from, event] as const))('without %s, %s', (src, _, from, event) => {
    const step = (promises: readonly string[], by: SessionEvent = event) => {
      const stepper = createStepper(sessionMachine, new Set(promises));
      return stepper.step(from ? stepper.restore(from) : stepper.initial, [by]);
    };
    const without = all.filter((s) => s !== src);
    expect(step(all)?.invoke?.src, `the stepper does not invoke ${src} for ${event.type}`).toBe(src);
    expect(step(without), `the stepper ran ${src} without being told it may`).toBeUndefined();
    // What needs no promise still steps.
    expect(step(without, { type: 'SHOW' }), 'the stepper refused SHOW').toBeDefined();
  });

  it('half-way: the API asks for a new sign-in, and authorize is not one it may run', () => {
    const stepper = createStepper(sessionMachine, new Set(['callApi', 'redeem']));
    const calling = stepper.step(stepper.restore(rest('signedIn', { user: alice })), [{ type: 'CALL_API' }])!;
    expect(calling.invoke?.src).toBe('callApi');
    const error = { status: 401, title: 'Sign in again', detail: 'The API needs a new sign-in.', needsSignIn: true };
    expect(stepper.step(calling.snapshot, [{ type: `xstate.error.actor.${calling.invoke!.id}`, error, actorId: calling.invoke!.id } as EventObject]), 'the stepper started authorize').toBeUndefined();
    expect(stepper.step(stepper.initial, [{ type: 'SHOW' }])).toBeDefined();
  });
});
