// A sign-in superseded by a newer one in another tab of the same browser (one cookie, one session):
// the older tab's real callback, with a real code from the emulator, arrives after the newer sign-in
// started. It is refused over HTTP ("does not match"), its code is never redeemed, and the newer
// sign-in still completes.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Browser } from '../support/browser.ts';
import { startStack, type Stack } from '../support/stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ IDP_TIMEOUT_MS: '2000' });
});
afterAll(() => stack.close());

const stateOf = (browser: Browser) => new URL(browser.page.redirects.find((url) => url.includes('state='))!).searchParams.get('state');

it('the older tab’s real callback is refused with "does not match", and the newer tab signs in', async () => {
  const older = new Browser();
  await older.get(`${stack.appOrigin}/signin`);
  expect(older.url).toContain(stack.emulator.origin);
  const newer = new Browser({ jar: older.jar }); // a second tab: the same cookies
  await newer.get(`${stack.appOrigin}/signin`);
  expect(newer.url).toContain(stack.emulator.origin);
  expect(stateOf(newer)).not.toBe(stateOf(older));

  // The older tab's sign-in completes at B2C, which sends its real code back to the app.
  const sent = stack.emulator.tokenRequests.length;
  await older.submit('#next', { signInName: stack.emulator.demoUser.email, password: stack.emulator.demoUser.password });
  const callback = older.page.redirects.find((url) => url.startsWith(`${stack.appOrigin}/redirect?`));
  expect(new URL(callback!).searchParams.get('code')).toBeTruthy();
  expect(new URL(callback!).searchParams.get('state')).toBe(stateOf(older));
  expect(older.status).toBe(400);
  expect(older.url.startsWith(`${stack.appOrigin}/problem?`)).toBe(true);
  expect(older.$('#problem h2').text()).toBe('This sign-in response does not match');
  expect(older.text('#problem')).toContain('another or an older sign-in attempt');
  expect(stack.emulator.tokenRequests.length).toBe(sent); // its code was never redeemed

  // The newer tab's sign-in is still open and completes.
  await newer.submit('#next', { signInName: stack.emulator.demoUser.email, password: stack.emulator.demoUser.password });
  expect(newer.url).toBe(`${stack.appOrigin}/`);
  expect(newer.text()).toContain(`Hi ${stack.emulator.demoUser.givenName}`);
  await older.get(stack.appOrigin); // the same session, in the other tab
  expect(older.text()).toContain(`Hi ${stack.emulator.demoUser.givenName}`);
});
