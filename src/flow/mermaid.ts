// The session statechart as a Mermaid stateDiagram-v2, generated from the machine object itself
// (its state nodes, not its source text): for the docs (npm run diagram) and the live /_flow view.
import type { AnyStateMachine, AnyStateNode, AnyTransitionDefinition } from 'xstate';
import { describeTransition } from './transitions.ts';

/** Mermaid ids are global: a node's path joined, `userFlow_authorizing_starting`. */
export const idOf = (node: AnyStateNode) => node.path.join('_');
const children = (node: AnyStateNode): AnyStateNode[] => Object.values(node.states);
/** Mermaid ends a label at `;` or `#`. */
const text = (s: string) => s.replace(/[;#]/g, ',');

function label(transition: AnyTransitionDefinition): string {
  const { event, guard } = describeTransition(transition);
  if (event === '[always]') return text(guard ? `[always] ${guard}` : event);
  return text(guard ? `${event} [${guard}]` : event);
}

function ownTransitions(node: AnyStateNode): AnyTransitionDefinition[] {
  return [...[...node.transitions.values()].flat(), ...(node.always ?? [])];
}

/** The states, nested, each composite with its initial state. */
function structure(node: AnyStateNode, indent: string): string[] {
  const lines: string[] = [];
  for (const child of children(node)) {
    const tags = child.tags.length ? ` (${child.tags.join(', ')})` : '';
    const declared = `state "${child.key}${tags}" as ${idOf(child)}`;
    if (!children(child).length) {
      lines.push(`${indent}${declared}`);
      continue;
    }
    lines.push(`${indent}${declared} {`);
    for (const initial of child.initial?.target ?? []) lines.push(`${indent}  [*] --> ${idOf(initial)}`);
    lines.push(...structure(child, `${indent}  `), `${indent}}`);
  }
  return lines;
}

/** Every transition with a target on an arrow, one arrow per source and target with a line per
 *  transition (parallel arrows' labels would be drawn on top of each other); the machine-wide
 *  ones and those that stay as notes. */
function transitions(machine: AnyStateMachine): string[] {
  const arrows = new Map<string, string[]>();
  const notes: string[] = [];
  const all = (node: AnyStateNode): AnyStateNode[] => [node, ...children(node).flatMap(all)];
  for (const node of all(machine.root)) {
    const staying: string[] = [];
    for (const transition of ownTransitions(node)) {
      const targets = transition.target ?? [];
      if (node === machine.root) {
        for (const target of targets) notes.push(`note left of ${idOf(target)} : ${label(transition)} from any state`);
      } else if (!targets.length) {
        staying.push(label(transition));
      } else {
        for (const target of targets) {
          const arrow = `${idOf(node)} --> ${idOf(target)}`;
          arrows.set(arrow, [...(arrows.get(arrow) ?? []), label(transition)]);
        }
      }
    }
    if (staying.length) notes.push(`note right of ${idOf(node)} : stays on ${staying.join(', ')}`);
  }
  return [...[...arrows].map(([arrow, labels]) => `${arrow} : ${labels.join('<br>')}`), ...notes];
}

export function mermaid(machine: AnyStateMachine): string {
  const initial = machine.root.initial?.target ?? [];
  return [
    'stateDiagram-v2',
    ...initial.map((target) => `  [*] --> ${idOf(target)}`),
    ...structure(machine.root, '  '),
    ...transitions(machine).map((line) => `  ${line}`),
  ].join('\n');
}
