// What the person sees after an act and what the app keeps, held against what the model predicts;
// and the one rule that needs no model: the page and the kept session agree on who is signed in.
// The provider's pages, endpoints and offers are the stack's mode's.
import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import type { Flow } from '../../machines/session.ts';
import type { Outcome, Persisted } from './model.ts';
import type { Person } from './person.ts';
import type { ModelStack } from './stack.ts';

const pristine = ({ value, context }: Persisted) =>
  value === 'signedOut' && context.user === null && context.transaction === null && context.notice === null && (context.resume ?? null) === null;

/** The navigation bar of one of the app's pages: a greeting and the buttons the provider offers,
 *  or the sign-in button. */
export function expectNav(person: Person, signedInAs: string | null): void {
  const $ = person.browser.$;
  if (signedInAs === null) {
    expect($('nav #SignIn').attr('href'), 'signed out: the sign-in button').toBe('/signin');
    expect($('nav #EditProfile').length, 'signed out: no edit-profile button').toBe(0);
    expect($('nav').text()).not.toContain('Hi ');
  } else {
    // The whole greeting: "Hi Ada" would be contained in External ID's "Hi Ada Model" too.
    expect($('nav p').text().trim(), 'signed in: the greeting').toBe(`Hi ${signedInAs}`);
    // External ID has no profile-editing or reset flow: no buttons for them.
    const offered = person.stack.config.provider === 'b2c';
    expect($('nav #EditProfile').attr('href'), 'signed in: the edit-profile button where offered').toBe(offered ? '/profile' : undefined);
    expect($('nav #PasswordReset').attr('href'), 'signed in: the reset-password button where offered').toBe(offered ? '/password' : undefined);
    expect($('nav #SignIn').length, 'signed in: no sign-in button').toBe(0);
  }
}

/** Where the provider's endpoints and pages are. B2C: under each user flow's authority. External ID:
 *  one authority for every flow, its endpoints beside `v2.0`, not under it (src/emulator/EXTERNAL-ID.md). */
function idpUrls({ config: { provider: mode }, emulator }: ModelStack, flow: Flow) {
  const authority = mode === 'b2c' ? emulator.authority(emulator.flows[flow]) : emulator.authority().replace(/\/v2\.0$/, '');
  const signOut = mode === 'b2c' ? emulator.authority(emulator.flows.signUpSignIn) : authority;
  return { authorize: `${authority}/oauth2/v2.0/authorize?`, pages: `${authority}/${mode === 'b2c' ? 'api' : 'login'}/`, logout: `${signOut}/oauth2/v2.0/logout?` };
}

/** Asserts the outcome of one act; `before` is the session id the browser had before it. */
export async function expectOutcome(stack: ModelStack, person: Person, outcome: Outcome, before: string | undefined): Promise<void> {
  const { browser } = person;
  const { view, world } = outcome;
  const kept = (await stack.kept(browser))?.machine;

  switch (view.at) {
    case 'home':
      expect(browser.url).toBe(`${stack.appOrigin}/`);
      expect(browser.status).toBe(200);
      if (view.notice) expect(browser.text('#message')).toBe(view.notice);
      else expect(browser.$('#message').length, 'no message').toBe(0);
      expectNav(person, view.signedIn ? person.shownName : null);
      break;
    case 'api': {
      expect(browser.url).toBe(`${stack.appOrigin}/api`);
      expect(browser.status).toBe(200);
      // The sample API's answer: who the access token says is calling.
      const answer = JSON.parse(browser.text('#apiResponse')) as { name: string; scopes: string[] };
      expect(answer).toEqual({ name: `${person.account.givenName} ${person.account.surname}`, scopes: ['tasks.read'] });
      expectNav(person, person.shownName);
      break;
    }
    case 'problem':
      expect(browser.url.startsWith(`${stack.appOrigin}/`) || browser.url === `${stack.noApiOrigin}/api`).toBe(true);
      expect(browser.status).toBe(view.problem.status);
      expect(browser.text('#problem h2')).toBe(view.problem.title);
      expect(browser.$('#problem #Home').attr('href')).toBe('/');
      expectNav(person, view.signedIn ? person.shownName : null);
      break;
    case 'idp': {
      const urls = idpUrls(stack, view.flow);
      expect(browser.url.startsWith(urls.pages), `at the emulator's ${view.flow} page, not ${browser.url}`).toBe(true);
      expect(browser.status).toBe(200);
      const $ = browser.$;
      if (stack.config.provider === 'external-id') {
        // Its one page: sign-in's email page ("Forgot password?" is on the next); no cancel.
        expect(view.page).toBe('sign-in');
        expect([$('#email').length, $('#password').length, $('#createAccount').length, $('#cancel').length]).toEqual([1, 0, 1, 0]);
      } else if (view.page === 'sign-in') expect([$('#signInName').length, $('#forgotPassword').length, $('#createAccount').length]).toEqual([1, 1, 1]);
      if (view.page === 'profile') expect($('#givenName').attr('value')).toBe(person.account.givenName);
      if (view.page === 'sign-in-first') expect([$('#signInName').length, $('#createAccount').length]).toEqual([1, 0]);
      if (view.page === 'reset') expect([$('#email').length, $('#newPassword').length, $('#cancel').length]).toEqual([1, 1, 1]);
      // The request that brought the browser here carries this browser's own transaction.
      const request = person.idp?.authorize;
      const transaction = kept?.context.transaction;
      expect(request?.href.startsWith(urls.authorize), `authorized at ${urls.authorize}, not ${request?.href}`).toBe(true);
      expect(request?.searchParams.get('state')).toBe(transaction?.state);
      expect(request?.searchParams.get('nonce')).toBe(transaction?.nonce);
      expect(request?.searchParams.get('code_challenge_method')).toBe('S256');
      expect(request?.searchParams.get('code_challenge')).toBe(createHash('sha256').update(transaction?.codeVerifier ?? '').digest('base64url'));
      expect(request?.searchParams.get('redirect_uri')).toBe(`${stack.appOrigin}/redirect`);
      break;
    }
  }

  // Sign-out goes through the provider's logout (ending its session too); nothing else does.
  const { logout } = idpUrls(stack, 'signUpSignIn');
  expect(browser.page.redirects.some((url) => url.startsWith(logout)), `through the logout at ${logout}`).toBe(outcome.ended);

  // What the app keeps: the machine's state, as predicted, and nothing for a visitor who only looks;
  // a visitor's in its pending cookie, never in the store (anonymous traffic holds no server state).
  const id = stack.sessionId(browser);
  if (pristine(world.session)) {
    expect(id, 'no session cookie when nothing is worth keeping').toBeUndefined();
    expect(stack.pending(browser), 'no pending cookie when nothing is worth keeping').toBeUndefined();
  } else {
    expect(kept, 'the app keeps this session').toBeDefined();
    expect(kept!.value).toEqual(world.session.value);
    const { user, transaction, notice, resume } = kept!.context;
    expect(notice).toBe(world.session.context.notice);
    expect(resume ?? null).toBe(world.session.context.resume ?? null);
    expect(transaction?.flow ?? null).toBe(world.session.context.transaction?.flow ?? null);
    expect(user?.givenName ?? null).toBe(world.session.context.user ? person.shownName : null);
    const visitor = world.session.context.user === null;
    expect(id === undefined, visitor ? 'a visitor has no server session' : 'a signed-in person has a server session').toBe(visitor);
    const cookie = browser.jar.all().find((c) => c.name === (visitor ? 'b2c.pending' : 'b2c.sid'))!;
    expect([cookie.httpOnly, cookie.sameSite]).toEqual([true, 'lax']);
  }
  // A session id lives until sign-in replaces it (no fixation) or sign-out ends it; then it is gone.
  if (outcome.renewed) expect(id).not.toBe(before);
  else if (before && id) expect(id).toBe(before);
  if (before && before !== id) expect(await stack.stored(before), 'the old session is gone from the store').toBeUndefined();
}

/** With no model: on the app's pages, the kept session and the navigation agree on who is signed in. */
export async function expectPageAgreesWithSession(stack: ModelStack, person: Person): Promise<void> {
  const { url } = person.browser;
  if (!url.startsWith(`${stack.appOrigin}/`) && !url.startsWith(`${stack.noApiOrigin}/`)) return;
  const user = (await stack.kept(person.browser))?.machine?.context.user ?? null;
  expectNav(person, user?.givenName ?? null);
}
