// Calling the web API with Microsoft Entra External ID as the provider, over real HTTP: the app asks
// for an `api://` scope, the emulator issues v2.0 access tokens naming the tenant (`tid`), and the
// sample API checks them. What the person sees, and which grants reached the emulator.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Browser } from '../support/browser.ts';
import { signIn, signUp } from '../support/idp-pages.ts';
import { startStack, type Stack } from '../support/stack.ts';

const MODE = 'external-id';
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({}, undefined, { mode: MODE });
});
afterAll(() => stack.close());
afterEach(() => {
  stack.emulator.faults.reset();
  stack.emulator.lifetimes.accessTokenSeconds = 3600;
});

let people = 0;
/** A new person signs up through the app; their browser ends on the home page, signed in. */
async function signedUp(givenName: string) {
  people += 1;
  const email = `eid-api${people}.${Date.now()}@example.com`;
  const browser = new Browser();
  await browser.get(`${stack.appOrigin}/signin`);
  await signUp(browser, MODE, { email, password: 'Secret123', givenName, surname: 'Caller' });
  expect(browser.text('nav p')).toBe(`Hi ${givenName} Caller`);
  return { browser, account: (await stack.emulator.accounts.findByEmail(email))! };
}

/** The API's answer on the page, as JSON. */
const answerOn = (browser: Browser) => JSON.parse(browser.text('#apiResponse')) as { name: string; scopes: string[] };

/** Token requests the emulator answers from now on, as [grant, status]. */
function watchTokens() {
  const from = stack.emulator.tokenRequests.length;
  return () => stack.emulator.tokenRequests.slice(from).map((t) => [t.grantType, t.status]);
}

const authorizeRequests = (browser: Browser) => browser.page.redirects.filter((url) => new URL(url).pathname.endsWith('/oauth2/v2.0/authorize'));

describe('calling the API', () => {
  it('sign-in asks for the api:// scope with offline_access; "Call API" shows the API’s answer with the person’s name, with no token request', async () => {
    const browser = new Browser();
    await browser.get(`${stack.appOrigin}/signin`);
    const scope = new URL(authorizeRequests(browser)[0]!).searchParams.get('scope')!.split(' ');
    expect(scope).toEqual(expect.arrayContaining(['api://emulator-tasks-api/tasks.read', 'offline_access', 'openid']));
    await signIn(browser, MODE, stack.emulator.demoUser);
    const tokens = watchTokens();
    await browser.click('#CallApi');
    expect([browser.url, browser.status]).toEqual([`${stack.appOrigin}/api`, 200]);
    expect(answerOn(browser)).toEqual({ name: 'Demo User', scopes: ['tasks.read'] });
    expect(browser.text('nav p')).toBe('Hi Demo User');
    expect(browser.$('#Home').attr('href')).toBe('/');
    expect(tokens()).toEqual([]);
  });

  it('an expired access token is renewed silently with the refresh token, call after call, with no redirect', async () => {
    // MSAL renews a token with under 5 minutes left: each one issued from here on is due at once.
    stack.emulator.lifetimes.accessTokenSeconds = 60;
    const { browser } = await signedUp('Renewed');
    for (let call = 0; call < 2; call += 1) {
      const tokens = watchTokens();
      await browser.get(`${stack.appOrigin}/api`);
      expect(browser.page.redirects).toEqual([`${stack.appOrigin}/api`]);
      expect(answerOn(browser).name).toBe('Renewed Caller');
      // The refresh token rotates: the second call renews with the one the first call got.
      expect(tokens()).toEqual([['refresh_token', 200]]);
    }
    expect(stack.emulator.tokenRequests.at(-1)).toMatchObject({ flow: stack.emulator.flows.signUpSignIn, scope: expect.stringContaining('api://emulator-tasks-api/tasks.read') });
  });

  it('signed out: /api asks for the email, then the password, then shows the answer, with no extra click', async () => {
    const browser = new Browser();
    await browser.get(`${stack.appOrigin}/api`);
    expect(browser.$('#email').length).toBe(1);
    await signIn(browser, MODE, stack.emulator.demoUser);
    expect(browser.url).toBe(`${stack.appOrigin}/api`);
    expect(answerOn(browser).name).toBe('Demo User');
  });

  it('a revoked refresh token (AADSTS50173): signs in again through the emulator’s session, then calls, in one journey', async () => {
    stack.emulator.lifetimes.accessTokenSeconds = 60; // due: the next call must refresh
    const { browser, account } = await signedUp('Revoked');
    stack.emulator.faults.revokeRefreshTokens(account.id);
    const tokens = watchTokens();
    await browser.get(`${stack.appOrigin}/api`);
    expect(authorizeRequests(browser)).toHaveLength(1);
    expect(browser.url).toBe(`${stack.appOrigin}/api`);
    expect(answerOn(browser).name).toBe('Revoked Caller');
    expect(tokens()).toEqual([['refresh_token', 400], ['authorization_code', 200], ['refresh_token', 200]]);
  });
});
