// Test paths from the model, with xstate/graph: the shortest way to every world the model can
// reach, then every act from there, so each edge of the model's graph (and with it each machine
// transition it can cause) ends some path. Paths that are the start of a longer path are dropped.
import type { AnyStateMachine } from 'xstate';
import { getAdjacencyMap, getShortestPaths } from 'xstate/graph';
import { Taken } from './coverage.ts';
import { actsFrom, initialWorld, keyOf, modelLogic, step, type Act, type World } from './model.ts';

export function generatePaths(machine: AnyStateMachine): Act[][] {
  const logic = modelLogic(machine);
  const options = {
    events: (snapshot: { context: World }) => actsFrom(machine, snapshot.context),
    serializeState: (snapshot: { context: World }) => keyOf(snapshot.context),
  };
  const adjacency = getAdjacencyMap(logic, options);
  // alterPath() puts xstate.init first: the acts are the events of the steps after it.
  const shortest = new Map(getShortestPaths(logic, options).map((path) => [keyOf(path.state.context), path.steps.slice(1).map((s) => s.event)]));
  const all = Object.entries(adjacency).flatMap(([key, { transitions }]) =>
    Object.values(transitions as Record<string, { event: Act }>).map(({ event }) => [...shortest.get(key)!, event]));
  return withoutPrefixes(all);
}

function withoutPrefixes(paths: Act[][]): Act[][] {
  const text = (acts: Act[]) => acts.map((act) => JSON.stringify(act)).join('\n');
  const kept: { path: Act[]; text: string }[] = [];
  for (const path of [...paths].sort((a, b) => b.length - a.length)) {
    const t = text(path);
    if (!kept.some((k) => k.text === t || k.text.startsWith(`${t}\n`))) kept.push({ path, text: t });
  }
  return kept.map((k) => k.path);
}

/** Runs the acts through the model, collecting what the machine took. */
export function replay(machine: AnyStateMachine, acts: Act[], taken = new Taken()): { world: World; taken: Taken } {
  let world = initialWorld(machine);
  for (const act of acts) {
    const outcome = step(machine, world, act);
    outcome.inspections.forEach(taken.inspect);
    world = outcome.world;
  }
  return { world, taken };
}
