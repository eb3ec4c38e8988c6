// Coverage of the statechart, measured against its own definition: every transition (source state,
// event, guard branch, target) and every state node, read from the machine object, and which of
// them the machine actually took (its `@xstate.microstep` inspection events).
import { pathToStateValue } from 'xstate';
import type { AnyMachineSnapshot, AnyStateMachine, AnyStateNode, AnyTransitionDefinition, InspectionEvent } from 'xstate';
import { getStateNodes } from 'xstate/graph';
import { describeTransition, nameOf, type TransitionInfo } from '../../src/flow/transitions.ts';

export { describeTransition, nameOf, type TransitionInfo };

/** Every state node below the root. */
export const statesOf = (machine: AnyStateMachine): AnyStateNode[] => getStateNodes(machine.root);

/** Every transition the definition has: `on` (with invoke onDone/onError) and `always`, branch by branch. */
export function transitionsOf(machine: AnyStateMachine): TransitionInfo[] {
  const all: TransitionInfo[] = [];
  for (const node of [machine.root, ...statesOf(machine)]) {
    for (const branches of node.transitions.values()) all.push(...branches.map(describeTransition));
    all.push(...(node.always ?? []).map(describeTransition));
  }
  return all;
}

/** What an actor took, collected from its inspection events. */
export class Taken {
  readonly transitions = new Set<string>();
  readonly states = new Set<string>();

  /** Pass as `createActor(logic, { inspect })`. */
  readonly inspect = (event: InspectionEvent): void => {
    if (event.type !== '@xstate.microstep') return;
    for (const transition of event._transitions) this.transitions.add(describeTransition(transition).key);
    const snapshot = event.snapshot as AnyMachineSnapshot;
    for (const node of statesOf(snapshot.machine)) {
      if (snapshot.matches(pathToStateValue(node.path))) this.states.add(nameOf(node));
    }
  };

  add(other: Taken): void {
    for (const key of other.transitions) this.transitions.add(key);
    for (const key of other.states) this.states.add(key);
  }
}

export interface CoverageReport {
  transitions: { covered: number; total: number; missing: string[] };
  states: { covered: number; total: number; missing: string[] };
}

export function coverageOf(machine: AnyStateMachine, taken: Taken): CoverageReport {
  const measure = (all: string[], seen: Set<string>) => {
    const missing = all.filter((key) => !seen.has(key));
    return { covered: all.length - missing.length, total: all.length, missing };
  };
  return {
    transitions: measure(transitionsOf(machine).map((t) => t.key), taken.transitions),
    states: measure(statesOf(machine).map(nameOf), taken.states),
  };
}

/** `impossible`: what the provider's mode can never take, left out of the count and said so. */
export function formatCoverage({ transitions, states }: CoverageReport, impossible: { transitions: string[]; states: string[] } = { transitions: [], states: [] }): string {
  const part = (name: string, { covered, total }: { covered: number; total: number }, left: number) =>
    `${name} coverage: ${covered}/${total - left}${left ? ` (${left} not possible with this provider)` : ''}`;
  return `${part('transition', transitions, impossible.transitions.length)}\n${part('state', states, impossible.states.length)}`;
}
