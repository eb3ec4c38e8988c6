// The stepper against a live actor, beyond test/machine/step.test.ts: from every state a session
// rests in, every event a route sends, alone and after the EXPIRE the bridge puts before it when a
// session timed out, with each invoked promise succeeding or failing (xstate.error.actor.*): a
// Problem, something else thrown, the API asking for a new sign-in. Each also from a frozen
// persisted snapshot restored by one long-lived stepper, twice, so that steps served from what it
// keeps answer as an actor does each time. An xstate upgrade that changes any of it fails here,
// naming the state, the events, the outcome and (in the diff) what differs.
import { describe, expect, it } from 'vitest';
import type { Snapshot } from 'xstate';
import { CANCELLED_NOTICE, EXPIRED_NOTICE } from '../../machines/session.ts';
import type { SessionEvent } from '../../machines/session.ts';
import { alice, byActor, byStepper, deepFrozen, newStepper, problem, rest, transaction, type Outcomes } from './compare.ts';

const forApi = { resume: 'api' as const };
const resting: Record<string, Snapshot<unknown> | undefined> = {
  new: undefined,
  'signed out (stored)': rest('signedOut'),
  'signed out with a notice': rest('signedOut', { notice: 'Please sign in to edit your profile' }),
  'signed out with the session-expired notice': rest('signedOut', { notice: EXPIRED_NOTICE }),
  'signed in': rest('signedIn', { user: alice }),
  'signed in with a notice': rest('signedIn', { user: alice, notice: CANCELLED_NOTICE }),
  'signed in to call the API': rest('signedIn', { user: alice, ...forApi }),
  'signing in (signed out)': rest({ userFlow: { authorizing: 'awaitingCallback' } }, { transaction }),
  'signing in with a notice (signed out)': rest({ userFlow: { authorizing: 'awaitingCallback' } }, { transaction, notice: EXPIRED_NOTICE }),
  'signing in to call the API (signed out)': rest({ userFlow: { authorizing: 'awaitingCallback' } }, { transaction, ...forApi }),
  'signing in again for the API (signed in)': rest({ userFlow: { authorizing: 'awaitingCallback' } }, { user: alice, transaction, ...forApi }),
  'editing the profile (signed in)': rest({ userFlow: { editingProfile: 'awaitingCallback' } }, { user: alice, transaction: { ...transaction, flow: 'editProfile' } }),
  'resetting the password (signed out)': rest({ userFlow: { resettingPassword: 'awaitingCallback' } }, { transaction: { ...transaction, flow: 'resetPassword' } }),
  'resetting the password (signed in)': rest({ userFlow: { resettingPassword: 'awaitingCallback' } }, { user: alice, transaction: { ...transaction, flow: 'resetPassword' } }),
};

const callback = (params: Record<string, string>, at = 1): SessionEvent => ({ type: 'CALLBACK', params: { state: 's1', ...params }, at });
/** What the routes send (the bridge never sends EXPIRE by itself: it goes before one of these). */
const requests: SessionEvent[] = [
  { type: 'SHOW' },
  { type: 'SIGN_IN' },
  { type: 'EDIT_PROFILE' },
  { type: 'RESET_PASSWORD' },
  { type: 'SIGN_OUT' },
  { type: 'CALL_API' },
  callback({ code: 'c' }),
  callback({ code: 'c', state: 'other' }),
  callback({ error: 'access_denied', errorDescription: 'AADB2C90091: The user has cancelled the operation.' }),
  callback({ error: 'access_denied', errorDescription: 'AADB2C90118: The user has forgotten their password.' }),
  callback({ error: 'server_error' }),
  callback({}),
  callback({ code: 'c' }, 700_000), // after the transaction expired
];
const sequences: SessionEvent[][] = [...requests.map((event) => [event]), [{ type: 'EXPIRE' }], ...requests.map((event): SessionEvent[] => [{ type: 'EXPIRE' }, event])];

const needsSignIn = { status: 401, title: 'Sign in again', detail: 'The API needs a new sign-in.', needsSignIn: true };
const scenarios: Record<string, Outcomes> = {
  'every promise succeeds': {},
  'every promise fails with a Problem': { authorize: { error: problem }, redeem: { error: problem }, callApi: { error: problem } },
  'every promise throws something else': { authorize: { error: new Error('boom') }, redeem: { error: new TypeError('bad') }, callApi: { error: null } },
  'the API needs a new sign-in': { callApi: { error: needsSignIn } },
  'the API needs a new sign-in, which cannot start': { callApi: { error: needsSignIn }, authorize: { error: problem } },
};

const label = (events: SessionEvent[]) =>
  events.map((e) => (e.type === 'CALLBACK' ? `CALLBACK ${JSON.stringify(e.params)} at ${e.at}` : e.type)).join(' then ');

// One stepper for the whole file, as the bridge has one: what it keeps from one case serves the next.
const kept = newStepper();
const frozen = Object.fromEntries(Object.entries(resting).map(([name, saved]) => [name, saved && deepFrozen(saved)]));
let compared = 0;
/** What the actor was seen to do, to show that the failures took their paths. */
const reached = new Set<string>();

describe.each(Object.keys(resting))('from %s', (name) => {
  const saved = resting[name];
  it.each(sequences.map((events) => [label(events), events] as const))('%s: as an actor, whatever the promises do', async (what, events) => {
    const restored = saved ? kept.restore(frozen[name]!) : kept.initial;
    expect(saved ? kept.restore(frozen[name]!) : kept.initial, `${name}: a frozen snapshot is restored once`).toBe(restored);
    for (const [outcome, outcomes] of Object.entries(scenarios)) {
      const actor = await byActor(saved, events, outcomes);
      for (const [type, params] of actor.done) if (type === 'render') reached.add((params as { problem?: { title: string } }).problem?.title ?? '');
      if (outcome.startsWith('the API needs') && JSON.stringify(actor.value).includes('awaitingCallback') && actor.context.resume === 'api') reached.add('signing in for the API');
      const fresh = newStepper();
      const ways = {
        'a new stepper': byStepper(fresh, saved ? fresh.restore(structuredClone(saved)) : fresh.initial, events, outcomes),
        'the kept stepper, from the frozen snapshot': byStepper(kept, restored, events, outcomes),
        'the kept stepper, again (from what it kept)': byStepper(kept, restored, events, outcomes),
      };
      for (const [way, stepped] of Object.entries(ways)) {
        expect(stepped, `stepper and actor differ for ${name}, ${what}, when ${outcome} (${way})`).toEqual(actor);
        compared += 1;
      }
    }
  });
});

it('compared every case, and the failures took their paths', () => {
  for (const path of [problem.title, 'Sign-in service error', 'The web API still refuses your sign-in', 'signing in for the API', 'This sign-in took too long']) expect([...reached]).toContain(path);
  const cases = Object.keys(resting).length * sequences.length * Object.keys(scenarios).length;
  expect(compared).toBe(cases * 3);
  console.log(`stepper against actor: ${Object.keys(resting).length} states × ${sequences.length} event sequences × ${Object.keys(scenarios).length} outcomes = ${cases} cases, each stepped 3 ways`);
});
