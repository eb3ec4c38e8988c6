// Variants of the session machine, built from its own config and implementations: one state's
// definition replaced. The tests use them to show that the suite notices a machine that differs.
import { createMachine } from 'xstate';
import type { AnyStateMachine } from 'xstate';
import { sessionMachine } from '../../machines/session.ts';

type StateConfig = Record<string, unknown>;
type States = Record<string, StateConfig>;

/** The session machine with `change` applied to its top-level states' configs. */
export function variant(change: (states: States) => States): AnyStateMachine {
  const { config } = sessionMachine;
  const states = change({ ...(config.states as States) });
  return createMachine({ ...config, states } as typeof config, sessionMachine.implementations) as AnyStateMachine;
}

/** Adds `on[event]` to a top-level state. */
export const withEvent = (state: string, event: string, transition: unknown) =>
  variant((states) => ({ ...states, [state]: { ...states[state], on: { ...(states[state]!.on as object), [event]: transition } } }));
