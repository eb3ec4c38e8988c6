// What the person sees after an act and what the app keeps, held against what the model predicts;
// and the one rule that needs no model: the page and the kept session agree on who is signed in.
import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import type { Outcome, Persisted } from './model.ts';
import type { Person } from './person.ts';
import type { ModelStack } from './stack.ts';

const pristine = ({ value, context }: Persisted) =>
  value === 'signedOut' && context.user === null && context.transaction === null && context.notice === null && (context.resume ?? null) === null;

/** The navigation bar of one of the app's pages: a greeting and the buttons, or the sign-in button. */
export function expectNav(person: Person, signedInAs: string | null): void {
  const $ = person.browser.$;
  const nav = $('nav').text().replace(/\s+/g, ' ');
  if (signedInAs === null) {
    expect($('nav #SignIn').attr('href'), 'signed out: the sign-in button').toBe('/signin');
    expect($('nav #EditProfile').length, 'signed out: no edit-profile button').toBe(0);
    expect(nav).not.toContain('Hi ');
  } else {
    expect(nav, 'signed in: the greeting').toContain(`Hi ${signedInAs}`);
    expect($('nav #EditProfile').attr('href'), 'signed in: the edit-profile button').toBe('/profile');
    expect($('nav #SignIn').length, 'signed in: no sign-in button').toBe(0);
  }
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
      expectNav(person, view.signedIn ? person.account.givenName : null);
      break;
    case 'api': {
      expect(browser.url).toBe(`${stack.appOrigin}/api`);
      expect(browser.status).toBe(200);
      // The sample API's answer: who the access token says is calling.
      const answer = JSON.parse(browser.text('#apiResponse')) as { name: string; scopes: string[] };
      expect(answer).toEqual({ name: `${person.account.givenName} ${person.account.surname}`, scopes: ['tasks.read'] });
      expectNav(person, person.account.givenName);
      break;
    }
    case 'problem':
      expect(browser.url.startsWith(`${stack.appOrigin}/`) || browser.url === `${stack.noApiOrigin}/api`).toBe(true);
      expect(browser.status).toBe(view.problem.status);
      expect(browser.text('#problem h2')).toBe(view.problem.title);
      expect(browser.$('#problem #Home').attr('href')).toBe('/');
      expectNav(person, view.signedIn ? person.account.givenName : null);
      break;
    case 'idp': {
      const authority = stack.emulator.authority(stack.emulator.flows[view.flow]);
      expect(browser.url.startsWith(`${authority}/api/`), `at the emulator's ${view.flow} page, not ${browser.url}`).toBe(true);
      expect(browser.status).toBe(200);
      const $ = browser.$;
      if (view.page === 'sign-in') expect([$('#signInName').length, $('#forgotPassword').length, $('#createAccount').length]).toEqual([1, 1, 1]);
      if (view.page === 'profile') expect($('#givenName').attr('value')).toBe(person.account.givenName);
      if (view.page === 'sign-in-first') expect([$('#signInName').length, $('#createAccount').length]).toEqual([1, 0]);
      if (view.page === 'reset') expect([$('#email').length, $('#newPassword').length, $('#cancel').length]).toEqual([1, 1, 1]);
      // The request that brought the browser here carries this browser's own transaction.
      const request = person.idp?.authorize;
      const transaction = kept?.context.transaction;
      expect(request?.href.startsWith(`${authority}/oauth2/v2.0/authorize?`)).toBe(true);
      expect(request?.searchParams.get('state')).toBe(transaction?.state);
      expect(request?.searchParams.get('nonce')).toBe(transaction?.nonce);
      expect(request?.searchParams.get('code_challenge_method')).toBe('S256');
      expect(request?.searchParams.get('code_challenge')).toBe(createHash('sha256').update(transaction?.codeVerifier ?? '').digest('base64url'));
      expect(request?.searchParams.get('redirect_uri')).toBe(`${stack.appOrigin}/redirect`);
      break;
    }
  }

  // Sign-out goes through B2C's logout (ending its session too); nothing else does.
  const logout = `${stack.emulator.authority(stack.emulator.flows.signUpSignIn)}/oauth2/v2.0/logout?`;
  expect(browser.page.redirects.some((url) => url.startsWith(logout)), 'through B2C logout').toBe(outcome.ended);

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
    expect(user?.givenName ?? null).toBe(world.session.context.user ? person.account.givenName : null);
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
