// The emulator's pages as the model sees them, per provider: which page a user flow opens at, what
// a person can do there, and what the app's callback then carries. B2C answers "Forgot your
// password?" and Cancel with error codes, and the app starts its reset flow or says "cancelled";
// External ID resets the password inside sign-in (the app just gets its code) and has no cancel.
import type { CallbackParams, Flow } from '../../machines/session.ts';
import { CANCELLED, FORGOT_PASSWORD } from '../../src/emulator/b2c-errors.ts';
import type { Act } from './model.ts';
import type { Mode } from './modes.ts';

export type IdpPage = 'sign-in' | 'profile' | 'reset' | 'sign-in-first';

/** The emulator's page for a flow: sign-in asks unless there is an SSO session; profile edit needs one. */
export function idpPage(flow: Flow, sso: boolean): IdpPage {
  if (flow === 'resetPassword') return 'reset';
  if (flow === 'editProfile') return sso ? 'profile' : 'sign-in-first';
  return 'sign-in';
}

const AT_PAGE: Record<IdpPage, Act['type'][]> = {
  'sign-in': ['CALLBACK_CODE', 'CALLBACK_SIGN_UP', 'CALLBACK_CANCEL', 'CALLBACK_FORGOT', 'CALLBACK_SPOILT', 'CALLBACK_LATE'],
  profile: ['CALLBACK_CODE', 'CALLBACK_CANCEL', 'CALLBACK_SPOILT', 'CALLBACK_LATE'],
  reset: ['CALLBACK_CODE', 'CALLBACK_CANCEL', 'CALLBACK_SPOILT', 'CALLBACK_LATE'],
  'sign-in-first': [],
};

/** What the person can do at the page (External ID opens no page but sign-in). */
export const actsAtPage = (mode: Mode, page: IdpPage): Act['type'][] =>
  AT_PAGE[page].filter((type) => mode === 'b2c' || type !== 'CALLBACK_CANCEL');

/** The callback after Cancel or "Forgot password?" at the page; `completes`: the person ends signed in
 *  at the provider (SSO), as after any completed flow. */
export function answerAt(mode: Mode, act: 'CALLBACK_CANCEL' | 'CALLBACK_FORGOT'): { params: Omit<CallbackParams, 'state'>; completes: boolean } {
  if (mode === 'external-id') {
    if (act === 'CALLBACK_CANCEL') throw new Error('External ID has no cancel that answers the app');
    return { params: { code: 'code' }, completes: true };
  }
  return { params: { error: 'access_denied', errorDescription: act === 'CALLBACK_CANCEL' ? CANCELLED : FORGOT_PASSWORD }, completes: false };
}
