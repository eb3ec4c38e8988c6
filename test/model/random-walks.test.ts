// Random walks: fast-check interleaves what three people (and attackers in their browsers) do:
// route visits, the emulator's pages, forged and replayed callbacks, IdP faults. After every act
// the app has answered in time and without a server error (unless the act cut the identity
// provider, or made the web API fail: those answer 502 pages by design), the page is what the
// model predicts, the page and the kept session agree on who is signed in, and nobody else's
// session moved. With each identity provider in production's configuration (the /_flow view off:
// a page view of an unchanged session writes nothing), and with B2C in the developers' (on: every
// request rewrites the session to list its events).
import fc from 'fast-check';
import type { AnyStateMachine } from 'xstate';
import { describe, expect, it } from 'vitest';
import { expectOutcome, expectPageAgreesWithSession } from './checks.ts';
import { actsFrom, describeAct, initialWorld, step, type World } from './model.ts';
import { machineFor } from './modes.ts';
import { newAccount, Person } from './person.ts';
import { useModelStack, type ModelStack } from './stack.ts';

const PEOPLE = 3;
const NAMES = ['Ada', 'Bea', 'Cyd'];

let stack: ModelStack;
let machine: AnyStateMachine;

interface Model { worlds: World[] }
interface Real { people: Person[] }
const counts = () => ({ runs: 0, acts: 0, together: 0, kinds: new Set<string>() });
let ran = counts();

/** Person `who` does the `pick`-th act open to them (so every move runs); a forged callback may replay someone's last one. */
interface Move { who: number; pick: number; replayOf: number | null }

/** IdP and API faults are switched for the whole emulator or sample API, so they are left out when
 *  two people act at once. */
const GLOBAL_FAULTS = new Set(['AUTHORIZE_FAILS', 'CALLBACK_SPOILT', 'CALLBACK_LATE', 'SESSION_EXPIRES', 'CALL_API_REFUSED', 'CALL_API_FAILS']);
/** Acts whose answer is a 5xx page by design: the provider cut, the API failing. */
const FAILING_BY_DESIGN = new Set(['AUTHORIZE_FAILS', 'CALL_API_REFUSED', 'CALL_API_FAILS']);

/** One person acts, or two different people at the same time. */
class Turn implements fc.AsyncCommand<Model, Real> {
  #done: string[] = [];
  constructor(readonly moves: Move[]) {}

  check(): boolean {
    return true;
  }

  async run(model: Model, { people }: Real): Promise<void> {
    const together = this.moves.length > 1;
    this.#done = []; // fast-check runs a command again while shrinking
    const planned = this.moves.map(({ who, pick, replayOf }) => {
      const open = actsFrom(machine, model.worlds[who]!).filter((a) => !together || !GLOBAL_FAULTS.has(a.type));
      const act = open[pick % open.length]!;
      const replayed = act.type === 'CALLBACK_FORGED' && replayOf !== null ? people[replayOf]!.callbacks.at(-1) : undefined;
      this.#done.push(`${NAMES[who]}: ${describeAct(act)}${replayed ? ` (replaying ${NAMES[replayOf!]}'s last callback)` : ''}`);
      ran.kinds.add(act.type);
      return { who, act, replayed, outcome: step(machine, model.worlds[who]!, act), before: stack.sessionId(people[who]!.browser) };
    });
    ran.acts += planned.length;
    if (together) ran.together += 1;

    await Promise.all(planned.map(({ who, act, replayed }) => people[who]!.act(act, replayed)));
    for (const { who, act, outcome, before } of planned) {
      const person = people[who]!;
      if (person.browser.status >= 500) expect(FAILING_BY_DESIGN.has(act.type), `a ${person.browser.status} answer to ${act.type}`).toBe(true);
      await expectOutcome(stack, person, outcome, before);
      await expectPageAgreesWithSession(stack, person);
      model.worlds[who] = outcome.world;
    }
    // Nobody else's session moved.
    for (const [i, other] of people.entries()) {
      const kept = (await stack.kept(other.browser))?.machine;
      expect(kept?.value ?? 'signedOut', `${NAMES[i]}'s state`).toEqual(model.worlds[i]!.session.value);
    }
  }

  toString(): string {
    return this.#done.join(' + ') || this.moves.map((m) => `${NAMES[m.who]}: act #${m.pick}`).join(' + ');
  }
}

const move = fc.record({ who: fc.nat(PEOPLE - 1), pick: fc.nat(63), replayOf: fc.option(fc.nat(PEOPLE - 1)) });
const turn = fc.oneof(
  { weight: 3, arbitrary: move.map((m) => new Turn([m])) },
  { weight: 1, arbitrary: fc.tuple(move, move).filter(([a, b]) => a.who !== b.who).map((pair) => new Turn(pair)) },
);

// Production's configuration gets the full 100 runs with each provider (External ID's take ~12 s:
// fewer kinds of act, no profile or reset flow). The developers' view stays B2C only, with 50: its
// writes do not depend on the provider (races.test.ts and the 50 browsers of journeys.test.ts, in
// test/app, meet them too). The file stays near 45 s.
describe.each([
  { mode: 'b2c', flowView: 'off', numRuns: 100 },
  { mode: 'external-id', flowView: 'off', numRuns: 100 },
  { mode: 'b2c', flowView: 'on', numRuns: 50 },
] as const)('$mode, with the /_flow view $flowView', ({ mode, flowView, numRuns }) => {
  useModelStack((started) => {
    stack = started;
    machine = machineFor[mode];
  }, { FLOW_VIEW: flowView }, mode);

  it('three people acting at random: answers in time, never a server error, pages and sessions agree', async () => {
    ran = counts();
    // The configuration is the one named: the view answers only where it is on.
    expect((await fetch(`${stack.appOrigin}/_flow`)).status, '/_flow').toBe(flowView === 'on' ? 200 : 404);
    await fc.assert(
      fc.asyncProperty(fc.commands([turn], { maxCommands: 12 }), async (commands) => {
        ran.runs += 1;
        const people = await Promise.all(NAMES.map(async (name) => new Person(stack, await newAccount(stack, name))));
        const worlds = people.map(() => initialWorld(machine));
        await fc.asyncModelRun(() => ({ model: { worlds }, real: { people } }), commands);
      }),
      { numRuns },
    );
    console.log(`random walks, ${mode}, /_flow ${flowView}: ${ran.runs} runs, ${ran.acts} acts (${ran.together} turns of two at once), ${ran.kinds.size} kinds of act`);
  }, 120_000);
});
