// The vocabulary of the session statechart: its context, its events, and what its effects exchange.

/** The three B2C user flows the app uses. */
export type Flow = 'signUpSignIn' | 'editProfile' | 'resetPassword';

/** One authorization request in flight: what the callback must match, kept server-side only. */
export interface Transaction {
  flow: Flow;
  state: string;
  nonce: string;
  codeVerifier: string;
  startedAt: number;
  /** After this instant (ms) the callback is refused: an abandoned sign-in must not stay usable. */
  expiresAt: number;
}

/** What the app keeps of the signed-in user: enough to greet them and to sign them out. */
export interface User {
  /** The B2C object id (`oid`): one per person across user flows, unlike MSAL's homeAccountId. */
  accountId: string;
  givenName: string;
  name: string;
}

/** The query of a callback to /redirect, as the identity provider sent it. */
export interface CallbackParams {
  state?: string;
  code?: string;
  error?: string;
  errorDescription?: string;
}

/** A failure shown to the person: an HTTP status, a title and a sentence that offers a way on. */
export interface Problem {
  status: number;
  title: string;
  detail: string;
}

/** The web API's answer, as the page shows it. */
export interface ApiAnswer {
  status: number;
  /** The body, as text (JSON pretty-printed); the page escapes it. */
  body: string;
}

/** What to do once a sign-in completes: call the web API (the person asked for it). Kept in the
 *  machine, never in a URL, so no redirect target can be smuggled in. */
export type Resume = 'api';

export interface SessionContext {
  user: User | null;
  transaction: Transaction | null;
  /** A one-time message for the next page view (the tutorial's "User has cancelled the operation"). */
  notice: string | null;
  /** Set when a sign-in was started to call the API; absent in sessions saved before it existed. */
  resume?: Resume | null;
}

export type SessionEvent =
  | { type: 'SHOW' }
  | { type: 'SIGN_IN' }
  | { type: 'EDIT_PROFILE' }
  | { type: 'RESET_PASSWORD' }
  | { type: 'SIGN_OUT' }
  | { type: 'CALL_API' }
  /** `at`: when the callback arrived (ms), stamped by the bridge, so the machine stays pure. */
  | { type: 'CALLBACK'; params: CallbackParams; at: number }
  /** The session outlived its idle or absolute timeout: whatever it held is gone. */
  | { type: 'EXPIRE' };

export interface AuthorizationStart {
  url: string;
  transaction: Transaction;
}
