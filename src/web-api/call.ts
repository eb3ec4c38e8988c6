// The web API, called on the signed-in person's behalf: GET WEB_API_URI with their access token.
// What the machine's `callApi` actor runs (provided in src/http/session-machine.ts). Every failure
// is a Problem the page shows; only a token that a new sign-in could fix is SignInRequired.
import type { ApiAnswer, User } from '../../machines/session.ts';
import { IdentityProblem, SignInRequired } from '../identity/index.ts';
import { exchange, TimeoutError, type Answer } from '../net/exchange.ts';

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
  const target = new URL(uri);
  const path = target.pathname;

  // Through src/net/exchange.ts, not fetch: ~180 µs less CPU per call (docs/PERFORMANCE.md). A
  // redirect is not followed: it is an answer that is not 2xx, so a failure the page names.
  async function send(token: string, deadline: number): Promise<Answer> {
    try {
      return await exchange(target, 'GET', { authorization: `Bearer ${token}`, accept: 'application/json' }, undefined, deadline);
    } catch (error) {
      if (error instanceof TimeoutError) {
        throw problem(504, 'The web API is taking too long', 'We stopped waiting for the API. You are still signed in; please try again in a moment.', `GET ${path}: no answer in time`);
      }
      throw problem(502, 'The web API cannot be reached', 'We could not connect to the API. You are still signed in; please try again later.', `GET ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).name}`);
    }
  }

  return async function call(user) {
    // A little less than the bridge's own deadline, so that the person learns it was the API.
    const deadline = performance.now() + Math.max(1, timeoutMs - 100);
    let response = await send(await accessToken(user.accountId, { forceRefresh: false }), deadline);
    // The API may know of a revocation MSAL's cache cannot: one retry with a fresh token.
    if (response.status === 401) response = await send(await accessToken(user.accountId, { forceRefresh: true }), deadline);
    const { status } = response;
    if (status < 200 || status > 299) {
      if (status === 401) throw new SignInRequired(`GET ${path}: HTTP 401 with a fresh token`);
      if (status === 403) {
        throw problem(403, 'The web API refused', 'The API does not allow this for your account (it answered 403 Forbidden). Nothing has changed.', `GET ${path}: HTTP 403`);
      }
      throw problem(502, 'The web API failed', `The API answered with an error (HTTP ${status}). You are still signed in; please try again later.`, `GET ${path}: HTTP ${status}`);
    }
    return { status, body: readable(response.text) };
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
