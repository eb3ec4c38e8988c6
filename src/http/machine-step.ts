// Events through the statechart without an actor, for the requests that need none: xstate's own
// transition (`machine.transition`, what xstate's pure `transition()` runs) on the session's
// restored snapshot, returning the next snapshot and the machine's actions for the bridge to carry
// out. An actor per request (create, start, send, persist, stop) costs ~25 µs in isolation and
// ~60 µs under load; so does `transition()` itself, which builds a throwaway actor on every call.
// Here that inert scope is built once. A step that would start an invoked actor (a `busy` state:
// authorize, redeem) or needs any other live-actor effect is refused: the bridge then runs a real
// actor, as before.
import { createActor } from 'xstate';
import type { Actor, AnyActorScope, ExecutableActionObject, Snapshot, SnapshotFrom } from 'xstate';
import type { SessionEvent, sessionMachine } from '../../machines/session.ts';

type SessionMachine = typeof sessionMachine;
export type SessionSnapshot = SnapshotFrom<SessionMachine>;

export interface Step {
  snapshot: SessionSnapshot;
  /** The machine's actions in order, each with its arguments; assignments are already in the snapshot. */
  actions: ExecutableActionObject[];
}

export interface Stepper {
  /** The `self` the actions of a step see (never started). */
  readonly self: Actor<SessionMachine>;
  /** A new visitor's snapshot, the same for everyone. */
  readonly initial: SessionSnapshot;
  /** A persisted snapshot made live again; throws when it does not fit the machine. */
  restore(persisted: Snapshot<unknown>): SessionSnapshot;
  /** The snapshot after `events`, or undefined when they need a live actor. */
  step(from: SessionSnapshot, events: SessionEvent[]): Step | undefined;
}

export function createStepper(machine: SessionMachine): Stepper {
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

  return {
    self,
    initial,
    restore: (persisted) => machine.restoreSnapshot(persisted, scope) as SessionSnapshot,
    step(from, events) {
      if (from.hasTag('busy')) return undefined;
      collected = [];
      let snapshot = from;
      for (const event of events) snapshot = machine.transition(snapshot, event, scope);
      const actions = collected;
      collected = [];
      if (snapshot.hasTag('busy') || Object.keys(snapshot.children).length > 0 || actions.some(needsActor)) return undefined;
      return { snapshot, actions };
    },
  };
}

/** xstate's own actions that only a live actor carries out (spawn, stop, send, delayed raise,
 *  emit...); an immediate raise is handled within the step itself. */
const needsActor = (action: ExecutableActionObject) =>
  action.type.startsWith('xstate.') && !(action.type === 'xstate.raise' && (action.params as { delay?: unknown }).delay === undefined);
