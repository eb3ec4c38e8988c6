// The coverage measure itself, with no HTTP: it reads every kind of transition from the machine
// definition, the model's paths cover the session machine, and a transition (or state) added to the
// machine without a way for a person to cause it shows up as missing.
import { describe, expect, it } from 'vitest';
import { sessionMachine } from '../../machines/session.ts';
import { coverageOf, formatCoverage, Taken, transitionsOf } from './coverage.ts';
import { generatePaths, replay } from './paths.ts';
import { machineFor, impossibleIn, type Mode } from './modes.ts';
import { variant, withEvent } from './variants.ts';

function coverageOfModel(machine = sessionMachine) {
  const taken = new Taken();
  for (const path of generatePaths(machine)) replay(machine, path, taken);
  return coverageOf(machine, taken);
}

describe('transitions, read from the definition', () => {
  it('lists on, guarded branches, always, invoke done/error and the machine-wide ones', () => {
    const keys = transitionsOf(sessionMachine).map((t) => t.key);
    expect(keys).toEqual(expect.arrayContaining([
      '(machine): SIGN_OUT -> signedOut',
      '(machine): EXPIRE -> signedOut',
      'signedOut: SIGN_IN -> userFlow.authorizing',
      'signedOut: SHOW -> (stays)',
      'userFlow: CALLBACK #0 [stateMatches] -> answering',
      'userFlow: CALLBACK #1 [else] -> (stays)',
      'userFlow.editingProfile.starting: done: authorize -> userFlow.editingProfile.awaitingCallback',
      'userFlow.editingProfile.starting: error: authorize -> returning',
      'answering: [always] #0 [transactionExpired] -> returning',
      'answering: [always] #1 [forgotPassword] -> userFlow.resettingPassword',
      'answering: [always] #5 [else] -> returning',
      'redeeming: error: redeem -> returning',
      'returning: [always] #0 [hasUser] -> signedIn',
    ]));
  });
});

describe('coverage of the model paths', () => {
  it.each(['b2c', 'external-id'] as const)('the session machine with %s: every transition and every state the provider allows', (mode) => {
    const report = coverageOfModel(machineFor[mode]);
    const impossible = impossibleIn(mode);
    console.log(`${mode}: ${formatCoverage(report, impossible)}`);
    expect(report.transitions.missing).toEqual(impossible.transitions);
    expect(report.states.missing).toEqual(impossible.states);
  });

  it('the two modes together take every transition and enter every state', () => {
    const missing = (mode: Mode) => coverageOfModel(machineFor[mode]).transitions.missing;
    const b2c = missing('b2c');
    expect(b2c.length).toBeGreaterThan(0);
    expect(b2c.filter((key) => missing('external-id').includes(key))).toEqual([]);
  });

  it('a new event nobody can send: its transition and its state are reported missing', () => {
    const extended = variant((states) => ({
      ...states,
      signedIn: { ...states.signedIn, on: { ...(states.signedIn!.on as object), DELETE_ACCOUNT: { target: 'deletingAccount' } } },
      deletingAccount: { always: { target: 'signedOut' } },
    }));
    const report = coverageOfModel(extended);
    const notOffered = impossibleIn('b2c').transitions;
    expect(report.transitions.missing).toEqual([...notOffered.filter((key) => key.startsWith('signedOut')), ...notOffered.filter((key) => key.startsWith('signedIn')), 'signedIn: DELETE_ACCOUNT -> deletingAccount', 'deletingAccount: [always] -> signedOut']);
    expect(report.states.missing).toEqual(['deletingAccount']);
    expect(report.transitions.total).toBe(transitionsOf(sessionMachine).length + 2);
  });

  it('a guarded branch no act can satisfy is reported missing, the others still covered', () => {
    const extended = withEvent('signedOut', 'CALLBACK', [
      { guard: 'hasUser', target: 'signedIn' }, // never true when signed out
      { actions: { type: 'render', params: { page: 'problem', problem: { status: 400, title: 'stale', detail: 'stale' } } } },
    ]);
    expect(coverageOfModel(extended).transitions.missing.filter((key) => !impossibleIn('b2c').transitions.includes(key))).toEqual(['signedOut: CALLBACK #0 [hasUser] -> signedIn']);
  });
});
