// The web API, called on the signed-in person's behalf: GET WEB_API_URI with their access token.
// What the machine's `callApi` actor runs (provided in src/http/session-machine.ts). Every failure
// is a Problem the page shows; only a token that a new sign-in could fix is SignInRequired.
import type { ApiAnswer, User } from '../../machines/session.ts';
import { IdentityProblem, SignInRequired } from '../identity/index.ts';

/** Longer answers are cut: the page shows what the API said, not a download. */
const MAX_BODY_CHARS = 64 * 1024;

export interface WebApiOptions {
  uri: string;
  /** The whole call's budget, token refresh included (the IdP timeout). */
  timeoutMs: number;
  accessToken(accountId: string, options: { forceRefresh: boolean }): Promise<string>;
}

const problem = (status: number, title: string, detail: string, reason: string) => new IdentityProblem(status, title, detail, reason);

export function createWebApi({ uri, timeoutMs, accessToken }: WebApiOptions): (user: User) => Promise<ApiAnswer> {
  const path = new URL(uri).pathname;

  async function send(token: string, deadline: number): Promise<Response> {
    try {
      return await fetch(uri, {
        headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
        // A little less than the bridge's own deadline, so that the person learns it was the API.
        signal: AbortSignal.timeout(Math.max(1, Math.ceil(deadline - performance.now()))),
        redirect: 'error',
      });
    } catch (error) {
      if ((error as Error).name === 'TimeoutError') {
        throw problem(504, 'The web API is taking too long', 'We stopped waiting for the API. You are still signed in; please try again in a moment.', `GET ${path}: no answer in time`);
      }
      throw problem(502, 'The web API cannot be reached', 'We could not connect to the API. You are still signed in; please try again later.', `GET ${path}: ${(error as Error).name}`);
    }
  }

  return async function call(user) {
    const deadline = performance.now() + Math.max(1, timeoutMs - 100);
    let response = await send(await accessToken(user.accountId, { forceRefresh: false }), deadline);
    if (response.status === 401) {
      // The API may know of a revocation MSAL's cache cannot: one retry with a fresh token.
      await response.body?.cancel();
      response = await send(await accessToken(user.accountId, { forceRefresh: true }), deadline);
    }
    if (!response.ok) {
      // Only the status matters; the body is let go.
      await response.body?.cancel();
      if (response.status === 401) throw new SignInRequired(`GET ${path}: HTTP 401 with a fresh token`);
      if (response.status === 403) {
        throw problem(403, 'The web API refused', 'The API does not allow this for your account (it answered 403 Forbidden). Nothing has changed.', `GET ${path}: HTTP 403`);
      }
      throw problem(502, 'The web API failed', `The API answered with an error (HTTP ${response.status}). You are still signed in; please try again later.`, `GET ${path}: HTTP ${response.status}`);
    }
    let text: string;
    try {
      text = await response.text();
    } catch {
      throw problem(502, 'The web API failed', 'The API’s answer broke off. You are still signed in; please try again later.', `GET ${path}: body not read`);
    }
    return { status: response.status, body: readable(text) };
  };
}

/** JSON pretty-printed (the page escapes it); anything else as it came. */
function readable(text: string): string {
  let body = text;
  try {
    body = JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    // not JSON: shown as text
  }
  return body.length > MAX_BODY_CHARS ? `${body.slice(0, MAX_BODY_CHARS)}\n… (cut at ${MAX_BODY_CHARS} characters)` : body;
}
