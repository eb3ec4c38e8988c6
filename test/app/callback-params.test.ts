// Callback parameters the app does not read: a repeated one (an array, `?code=a&code=b`) and one
// longer than 4 KB are dropped, and the app behaves exactly as if the parameter were absent. Each
// case starts from a real sign-in at the emulator, its real callback altered on the way back; with
// either provider, as the state and code come back the same way from both.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Browser } from '../support/browser.ts';
import { signIn } from '../support/idp-pages.ts';
import { startStack, type Mode, type Stack } from '../support/stack.ts';

const MODES: Mode[] = ['b2c', 'external-id'];
/** The stack of the block running (the blocks run one after the other). */
let stack: Stack;

/** A person signed in at the emulator, stopped before the real callback reaches the app. */
async function realCallback() {
  const browser = new Browser({ stopAt: (url) => url.pathname === '/redirect' });
  await browser.get(`${stack.appOrigin}/signin`);
  await signIn(browser, stack.config.provider, stack.emulator.demoUser);
  expect(browser.page.stopped).toBe(true);
  const url = new URL(browser.url);
  return { browser, url, code: url.searchParams.get('code')!, state: url.searchParams.get('state')! };
}

function callbackUrl(params: [string, string][]) {
  return `${stack.appOrigin}/redirect?${new URLSearchParams(params)}`;
}

function expectProblem(browser: Browser, status: number, title: string) {
  expect(browser.status).toBe(status);
  expect(browser.url.startsWith(`${stack.appOrigin}/problem?`)).toBe(true);
  expect(browser.$('#problem h2').text()).toBe(title);
}

const signedIn = (browser: Browser) => browser.text().includes(`Hi ${stack.emulator.demoUser.givenName}`);

describe.each(MODES)('with %s', (mode) => {
  beforeAll(async () => {
    stack = await startStack({ IDP_TIMEOUT_MS: '2000' }, undefined, { mode });
  });
  afterEach(() => stack.emulator.faults.reset());
  afterAll(() => stack.close());

  it('the real code sent twice is no code: "incomplete", nothing redeemed, not signed in', async () => {
    const { browser, code, state } = await realCallback();
    const sent = stack.emulator.tokenRequests.length;
    await browser.get(callbackUrl([['code', code], ['code', code], ['state', state]]));
    expectProblem(browser, 400, 'The sign-in response is incomplete');
    expect(stack.emulator.tokenRequests.length).toBe(sent);
    await browser.get(stack.appOrigin);
    expect(browser.$('#SignIn').length).toBe(1);
  });

  it('a code of 4097 characters is no code ("incomplete"); one of 4096 is read, sent, and refused by the provider', async () => {
    const long = await realCallback();
    const sent = stack.emulator.tokenRequests.length;
    await long.browser.get(callbackUrl([['code', 'c'.repeat(4097)], ['state', long.state]]));
    expectProblem(long.browser, 400, 'The sign-in response is incomplete');
    expect(stack.emulator.tokenRequests.length).toBe(sent);

    const edge = await realCallback();
    await edge.browser.get(callbackUrl([['code', 'c'.repeat(4096)], ['state', edge.state]]));
    expectProblem(edge.browser, 400, 'This sign-in could not be completed');
    expect(stack.emulator.tokenRequests.slice(sent)).toMatchObject([{ grantType: 'authorization_code', status: 400 }]);
  });

  it('the real state sent twice, or made longer than 4 KB, is no state: "does not match", and the sign-in stays open for the real callback', async () => {
    const { browser, url, code, state } = await realCallback();
    await browser.get(callbackUrl([['code', code], ['state', state], ['state', state]]));
    expectProblem(browser, 400, 'This sign-in response does not match');
    await browser.get(callbackUrl([['code', code], ['state', state.padEnd(4097, 'x')]]));
    expectProblem(browser, 400, 'This sign-in response does not match');
    // As for a callback with no state at all: the transaction was not spent, so the real one completes.
    await browser.get(url);
    expect(browser.url).toBe(`${stack.appOrigin}/`);
    expect(signedIn(browser)).toBe(true);
  });

  it('a repeated error is no error: the real code beside it is redeemed and the person signed in', async () => {
    const { browser, code, state } = await realCallback();
    await browser.get(callbackUrl([['error', 'access_denied'], ['error', 'server_error'], ['code', code], ['state', state]]));
    expect(browser.url).toBe(`${stack.appOrigin}/`);
    expect(signedIn(browser)).toBe(true);
  });

  it('an error_description longer than 4 KB is not shown; one of 4 KB is (its first line, cut to 300 characters)', async () => {
    const long = await realCallback();
    await long.browser.get(callbackUrl([['error', 'access_denied'], ['error_description', 'D'.repeat(4097)], ['state', long.state]]));
    expectProblem(long.browser, 400, 'Sign-in did not complete');
    expect(long.browser.text('#problem')).toContain('The identity provider answered "access_denied".');
    expect(long.browser.text()).not.toContain('DDD');

    const edge = await realCallback();
    await edge.browser.get(callbackUrl([['error', 'access_denied'], ['error_description', 'D'.repeat(4096)], ['state', edge.state]]));
    expectProblem(edge.browser, 400, 'Sign-in did not complete');
    expect(edge.browser.text('#problem')).toContain(`The identity provider answered "access_denied": ${'D'.repeat(300)}.`);
  });
});
