// Events through the statechart without an actor: xstate's own transition (`machine.transition`,
// what xstate's pure `transition()` runs) on the session's restored snapshot, returning the next
// snapshot and the machine's actions for the bridge to carry out. An actor per request (create,
// start, send, persist, stop) costs ~25 µs in isolation and ~60 µs under load; so does
// `transition()` itself, which builds a throwaway actor on every call. Here its inert scope is
// built once.
//
// A step that enters a `busy` state reports the promise it invoked (authorize, redeem): the bridge
// runs it and steps again with its outcome, as xstate's actor system would, in the events xstate
// defines for it (`xstate.done.actor.<id>`, `xstate.error.actor.<id>`). Anything else only a live
// actor can do (delayed or sent events, other kinds of invoked actors) makes the step refuse.
import { createActor } from 'xstate';
import type { Actor, AnyActorScope, EventObject, ExecutableActionObject, PromiseSnapshot, Snapshot, SnapshotFrom } from 'xstate';
import type { SessionEvent, sessionMachine } from '../../machines/session.ts';

type SessionMachine = typeof sessionMachine;
export type SessionSnapshot = SnapshotFrom<SessionMachine>;

/** A promise the machine invoked and waits for (its source's name as the machine gives it). */
export interface Invoke {
  id: string;
  src: string;
  input: unknown;
}

export interface Step {
  /** The snapshot it started from, itself, when the step changed nothing (most page views): a kept
   *  step then holds no second snapshot, and the bridge knows there is nothing new to store. */
  snapshot: SessionSnapshot;
  /** The machine's own actions, in order, with their arguments (assignments are in the snapshot). */
  actions: ExecutableActionObject[];
  /** Set when the snapshot is `busy`: what it waits for. */
  invoke?: Invoke;
}

export interface Stepper {
  /** The `self` the actions of a step see (never started). */
  readonly self: Actor<SessionMachine>;
  /** A new visitor's snapshot, the same for everyone. */
  readonly initial: SessionSnapshot;
  /** A persisted snapshot made live again; throws when it does not fit the machine. A frozen one
   *  (the memory store's) is restored once and its snapshot kept with it. */
  restore(persisted: Snapshot<unknown>): SessionSnapshot;
  /** The snapshot after `events`, or undefined when they need a live actor. */
  step(from: SessionSnapshot, events: readonly EventObject[]): Step | undefined;
}

/** `promises`: the sources of the invoked actors the bridge runs itself. */
export function createStepper(machine: SessionMachine, promises: ReadonlySet<string>): Stepper {
  const self = createActor(machine);
  let collected: ExecutableActionObject[] = [];
  // Inert, as xstate's `transition()` makes it: nothing is started, deferred, sent or emitted.
  const scope: AnyActorScope = {
    self,
    id: '',
    sessionId: '',
    logger: () => {},
    defer: () => {},
    emit: () => {},
    system: self.system,
    stopChild: () => {},
    actionExecutor: (action) => collected.push(action),
  };
  const initial = machine.getInitialSnapshot(scope);
  collected = [];
  // A step by events that carry nothing is a function of the snapshot it starts from, and neither
  // xstate nor the bridge changes a snapshot or a step: so it is kept with that snapshot, and goes
  // with it. The initial snapshot is every new visitor's; a restored one is kept with its frozen
  // persisted snapshot, which the memory store hands out until the session is written again
  // (src/session/store.ts): a page view of an unchanged session then restores and steps nothing.
  // A step that invokes is kept too: what differs per sign-in (state, nonce, PKCE) comes from
  // running the promise, per request, and the step after it.
  const kept = new WeakMap<SessionSnapshot, Record<string, Step | undefined>>();
  // Only frozen persisted snapshots: nobody can change them after they were restored (Redis hands
  // out a new, unfrozen object per read, which would never be seen again anyway).
  const restored = new WeakMap<Snapshot<unknown>, SessionSnapshot>();

  return {
    self,
    initial,
    restore(persisted) {
      if (!Object.isFrozen(persisted)) return machine.restoreSnapshot(persisted, scope) as SessionSnapshot;
      let snapshot = restored.get(persisted);
      if (snapshot === undefined) restored.set(persisted, (snapshot = machine.restoreSnapshot(persisted, scope) as SessionSnapshot));
      return snapshot;
    },
    step(from, events) {
      if (!events.every((event) => Object.keys(event).length === 1)) return stepFrom(from, events);
      const key = events.map((event) => event.type).join();
      let steps = kept.get(from);
      if (steps === undefined) kept.set(from, (steps = {}));
      if (!(key in steps)) steps[key] = stepFrom(from, events);
      return steps[key];
    },
  };

  function stepFrom(from: SessionSnapshot, events: readonly EventObject[]): Step | undefined {
    collected = [];
    let snapshot = from;
    for (const event of events) snapshot = machine.transition(snapshot, event as SessionEvent, scope);
    const all = collected;
    collected = [];
    const actions: ExecutableActionObject[] = [];
    let invoke: Invoke | undefined;
    for (const action of all) {
      if (!action.type.startsWith('xstate.')) actions.push(action);
      else if (action.type === 'xstate.spawnChild') {
        const { id, src, actorRef } = action.params as { id: string; src: unknown; actorRef?: { getSnapshot(): PromiseSnapshot<unknown, unknown> } };
        if (typeof src !== 'string' || !promises.has(src) || !actorRef) return undefined;
        // Spawned and stopped within the step (left at once) is not waited for.
        if (snapshot.children[id as keyof typeof snapshot.children]) {
          if (invoke) return undefined;
          invoke = { id, src, input: actorRef.getSnapshot().input };
        }
      } else if (!handledWithin(action)) return undefined;
    }
    const children = Object.keys(snapshot.children).length;
    // At rest no actor runs; busy, exactly the one promise reported.
    if (snapshot.hasTag('busy') ? !invoke || children !== 1 : invoke || children !== 0) return undefined;
    return { snapshot: invoke || !unchanged(from, snapshot) ? snapshot : from, actions, invoke };
  }
}

/** xstate's own actions a step completes by itself: an immediate raise (processed within the
 *  step) and stopping a child (the promises it stops were run by the bridge, never started here). */
const handledWithin = (action: ExecutableActionObject) =>
  (action.type === 'xstate.raise' && (action.params as { delay?: unknown }).delay === undefined) || action.type === 'xstate.stopChild';

/** The events xstate sends a parent when its invoked promise settles. */
export const settledEvent = (invoke: Invoke, outcome: { output: unknown } | { error: unknown }): EventObject =>
  'output' in outcome
    ? ({ type: `xstate.done.actor.${invoke.id}`, output: outcome.output, actorId: invoke.id } as EventObject)
    : ({ type: `xstate.error.actor.${invoke.id}`, error: outcome.error, actorId: invoke.id } as EventObject);

/** The same state (a simple one) and the same context values: the same snapshot, for all that
 *  follows from it (at rest no actor runs, and the machine has no history states). */
export function unchanged(before: SessionSnapshot, after: SessionSnapshot): boolean {
  if (typeof after.value !== 'string' || after.value !== before.value || after.status !== before.status) return false;
  const keys = Object.keys(after.context) as (keyof SessionSnapshot['context'])[];
  return keys.length === Object.keys(before.context).length && keys.every((key) => after.context[key] === before.context[key]);
}
