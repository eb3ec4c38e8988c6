// Coverage of the statechart, measured against its own definition: every transition (source state,
// event, guard branch, target) and every state node, read from the machine object, and which of
// them the machine actually took (its `@xstate.microstep` inspection events).
import { pathToStateValue } from 'xstate';
import type { AnyMachineSnapshot, AnyStateMachine, AnyStateNode, AnyTransitionDefinition, InspectionEvent } from 'xstate';
import { getStateNodes } from 'xstate/graph';

export interface TransitionInfo {
  /** Stable and readable, e.g. `answering: [always] #2 [isError] -> returning`. */
  key: string;
  source: string;
  event: string;
  /** Which of the event's branches, in definition order (the first whose guard holds is taken). */
  branch: number;
  guard: string | null;
  targets: string[];
}

/** `userFlow.authorizing.starting`; `(machine)` for the root, whose transitions apply everywhere. */
export const nameOf = (node: AnyStateNode): string => node.path.join('.') || '(machine)';

/** `SIGN_IN`, `[always]`, or `done: authorize` / `error: authorize` for an invoked actor. */
export function eventLabel(node: AnyStateNode, eventType: string): string {
  if (eventType === '') return '[always]';
  const invoked = /^xstate\.(done|error)\.actor\.(.+)$/.exec(eventType);
  if (!invoked) return eventType;
  const src = node.invoke.find((def) => def.id === invoked[2])?.src;
  return `${invoked[1]}: ${typeof src === 'string' ? src : invoked[2]}`;
}

/** The guard's name; `else` for the unguarded last branch of a guarded choice. */
export function guardLabel(transition: AnyTransitionDefinition, siblings: readonly AnyTransitionDefinition[]): string | null {
  const { guard } = transition;
  if (guard === undefined) return siblings.length > 1 ? 'else' : null;
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'function') return guard.name || 'inline guard';
  return (guard as { type?: string }).type ?? 'guard';
}

function siblingsOf(transition: AnyTransitionDefinition): readonly AnyTransitionDefinition[] {
  const { source, eventType } = transition;
  return (eventType === '' ? source.always : source.transitions.get(eventType)) ?? [transition];
}

export function describeTransition(transition: AnyTransitionDefinition): TransitionInfo {
  const source = nameOf(transition.source);
  const event = eventLabel(transition.source, transition.eventType);
  const siblings = siblingsOf(transition);
  const branch = siblings.indexOf(transition);
  const guard = guardLabel(transition, siblings);
  const targets = (transition.target ?? []).map(nameOf);
  const key = `${source}: ${event}${siblings.length > 1 ? ` #${branch}` : ''}${guard ? ` [${guard}]` : ''} -> ${targets.join(', ') || '(stays)'}`;
  return { key, source, event, branch, guard, targets };
}

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

export const formatCoverage = ({ transitions, states }: CoverageReport): string =>
  `transition coverage: ${transitions.covered}/${transitions.total}\nstate coverage: ${states.covered}/${states.total}`;
