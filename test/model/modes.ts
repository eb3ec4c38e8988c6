// The session machine as each identity provider runs it: B2C offers every user flow; Microsoft
// Entra External ID has no profile-editing flow and resets passwords inside sign-in (src/config.ts
// CAPABILITIES), so its guards say so. What each mode can never take is listed, not guessed: the
// coverage of a mode is full when it takes everything else.
import type { AnyStateMachine } from 'xstate';
import { sessionMachine } from '../../machines/session.ts';
import type { Mode } from '../support/stack.ts';
import { transitionsOf, statesOf, nameOf } from './coverage.ts';

export type { Mode };
export const MODES: readonly Mode[] = ['b2c', 'external-id'];

export const machineFor: Record<Mode, AnyStateMachine> = {
  b2c: sessionMachine,
  'external-id': sessionMachine.provide({ guards: { editProfileOffered: () => false, resetPasswordOffered: () => false } }),
};

const offers = (machine: AnyStateMachine, guard: 'editProfileOffered' | 'resetPasswordOffered'): boolean =>
  (machine.implementations.guards[guard] as (() => boolean) | undefined)?.() !== false;

/** The provider a machine was provided for, read from its capability guards (variants of the
 *  app's machine keep B2C's). */
export function modeOf(machine: AnyStateMachine): Mode {
  const edit = offers(machine, 'editProfileOffered');
  if (edit !== offers(machine, 'resetPasswordOffered')) throw new Error('no provider offers only one of profile editing and password reset');
  return edit ? 'b2c' : 'external-id';
}

const CAPABILITY_GUARDS = ['editProfileOffered', 'resetPasswordOffered'];
const capabilityEvent = (key: string) => / (EDIT_PROFILE|RESET_PASSWORD) #\d+ /.test(key) && /^(signedOut|signedIn):/.test(key);

/** Transitions and states this mode can never take, from the machine's definition. */
export function impossibleIn(mode: Mode): { transitions: string[]; states: string[] } {
  const all = transitionsOf(sessionMachine);
  if (mode === 'b2c') {
    // Every flow is offered: the "not offered" answers are External ID's.
    return { transitions: all.filter((t) => capabilityEvent(t.key) && t.key.includes('[else]')).map((t) => t.key), states: [] };
  }
  // No profile-edit or reset flow: their states, the branches into them, and B2C's forgotPassword.
  const flowStates = /^userFlow\.(editingProfile|resettingPassword)/;
  const transitions = all
    .filter((t) => flowStates.test(t.key) || (capabilityEvent(t.key) && CAPABILITY_GUARDS.some((g) => t.key.includes(`[${g}]`))) || t.key.includes('[forgotPassword]')
      // No cancel answers the app with an error (src/emulator/EXTERNAL-ID.md, finding 10).
      || t.key.includes('[cancelled]'))
    .map((t) => t.key);
  const states = statesOf(sessionMachine).map(nameOf).filter((name) => flowStates.test(name));
  return { transitions, states };
}
