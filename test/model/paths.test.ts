// Model-based tests: paths generated from the session machine (test/model/paths.ts), each run as a
// person in a fresh browser against the app and the built-in emulator over HTTP, once per identity
// provider (the whole stack playing it, the machine provided as the app provides it). After every
// act the page, the cookies and the persisted machine state must be what the model predicts; at the
// end every transition of the machine the provider allows must have been taken by some path.
import type { AnyStateMachine } from 'xstate';
import { describe, expect, it } from 'vitest';
import { expectOutcome, expectPageAgreesWithSession } from './checks.ts';
import { coverageOf, formatCoverage, Taken } from './coverage.ts';
import { describeAct, initialWorld, step, type Act } from './model.ts';
import { impossibleIn, machineFor, MODES } from './modes.ts';
import { generatePaths } from './paths.ts';
import { newAccount, Person } from './person.ts';
import { useModelStack, type ModelStack } from './stack.ts';
import { variant, withEvent } from './variants.ts';

/** A person in a fresh browser walks the path; each act is checked against `machine`'s prediction. */
async function walk(stack: ModelStack, machine: AnyStateMachine, path: Act[], record?: Taken): Promise<void> {
  const person = new Person(stack, await newAccount(stack, 'Ada'));
  let world = initialWorld(machine);
  for (const [i, act] of path.entries()) {
    const outcome = step(machine, world, act);
    const before = stack.sessionId(person.browser);
    await person.act(act);
    try {
      await expectOutcome(stack, person, outcome, before);
      await expectPageAgreesWithSession(stack, person);
    } catch (error) {
      (error as Error).message = `after act ${i + 1}, ${describeAct(act)} (machine events: ${outcome.events.map((e) => e.type).join(', ')}):\n${(error as Error).message}`;
      throw error;
    }
    // Only what the app was seen to do counts towards coverage.
    if (record) outcome.inspections.forEach(record.inspect);
    world = outcome.world;
  }
}

describe.each(MODES)('%s', (mode) => {
  const machine = machineFor[mode];
  const paths = generatePaths(machine);
  const taken = new Taken();
  let stack: ModelStack;
  useModelStack((started) => (stack = started), {}, mode);

  describe('every path the model generates', () => {
    it('there are paths, and none is longer than a person would click in one go', () => {
      expect(paths.length).toBeGreaterThan(20);
      expect(Math.max(...paths.map((p) => p.length))).toBeLessThanOrEqual(6);
    });

    it.each(paths.map((path, i) => [`${i + 1}: ${path.map(describeAct).join(' → ')}`, path] as const))('%s', (_, path) => walk(stack, machine, path, taken));
  });

  describe('coverage of the machine by the paths that ran', () => {
    it('takes every transition and enters every state, but for what the provider can never take', () => {
      const report = coverageOf(machine, taken);
      const impossible = impossibleIn(mode);
      console.log(`${mode}: ${formatCoverage(report, impossible)}`);
      expect(report.transitions.missing, 'transitions no executed path took').toEqual(impossible.transitions);
      expect(report.states.missing, 'states no executed path entered').toEqual(impossible.states);
    });
  });

  // The same checks, predicting with a machine that is not the app's: the app must refute each.
  // The checks are the same code in both modes, so B2C's stack is enough (not a skipped suite in
  // the other: CI fails on those).
  if (mode === 'b2c') describe('the checks tell the app’s machine from a slightly different one', () => {
    const signIn: Act[] = [{ type: 'SIGN_IN' }, { type: 'CALLBACK_CODE' }];
    const mutants: [string, AnyStateMachine, Act[]][] = [
      ['sign-in keeps the session id', variant((states) => {
        const invoke = states.redeeming!.invoke as { onDone: { actions: unknown[] }[] };
        const onDone = invoke.onDone.map((branch) => ({ ...branch, actions: branch.actions.filter((a) => (a as { type?: string }).type !== 'renewSession') }));
        return { ...states, redeeming: { ...states.redeeming, invoke: { ...invoke, onDone } } };
        // A visitor has no session id to keep (its session is in its pending cookie): a signed-in one has.
      }), [...signIn, { type: 'EDIT_PROFILE' }, { type: 'CALLBACK_CODE' }]],
      ['a replayed callback signs out', withEvent('signedIn', 'CALLBACK', { target: 'signedOut' }), [...signIn, { type: 'CALLBACK_FORGED' }]],
      ['home while signed in forgets the notice first', withEvent('signedIn', 'SHOW', { actions: ['clearNotice', { type: 'render', params: { page: 'home' } }] }),
        [...signIn, { type: 'EDIT_PROFILE' }, { type: 'CALLBACK_CANCEL' }]],
    ];
    it.each(mutants)('%s', async (_, mutant, path) => {
      await expect(walk(stack, mutant, path)).rejects.toMatchObject({ name: 'AssertionError' });
    });
  });
  // Here, what tells the providers apart: B2C's machine predicting External ID's app is refuted.
  else describe('the checks tell External ID’s machine from B2C’s', () => {
    it.each([
      ['/profile signed out: B2C would ask to sign in first', [{ type: 'EDIT_PROFILE' }]],
      ['"Forgot password?": B2C would start its reset flow', [{ type: 'SIGN_IN' }, { type: 'CALLBACK_FORGOT' }]],
    ] as [string, Act[]][])('%s', async (_, path) => {
      await expect(walk(stack, machineFor.b2c, path)).rejects.toMatchObject({ name: 'AssertionError' });
    });
  });
});
