// Each transition of a statechart described by name: source state, event, guard branch, targets.
// Shared by the diagram, the live flow view and the coverage of the model-based tests.
import type { AnyStateNode, AnyTransitionDefinition } from 'xstate';

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
