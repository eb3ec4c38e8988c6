// The OpenID Foundation's relying-party negatives, each produced by the emulator's fault switches:
// MSAL checks only the nonce, so each of these is refused (or accepted) by our own jose checks.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { IdTokenFault } from '../../src/emulator/index.ts';
import { Browser } from '../support/browser.ts';
import { startStack, type Stack } from '../support/stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterEach(() => stack.emulator.faults.reset());
afterAll(() => stack.close());

/** A fresh browser signs in as the demo user while the fault is on; returns where it ended. */
async function signInWith(fault: IdTokenFault | null) {
  const browser = new Browser();
  await browser.get(`${stack.appOrigin}/signin`);
  stack.emulator.faults.idToken = fault;
  await browser.submit('#next', { signInName: stack.emulator.demoUser.email, password: stack.emulator.demoUser.password });
  return browser;
}

async function expectSignedOut(browser: Browser) {
  await browser.get(stack.appOrigin);
  expect(browser.$('#SignIn').length).toBe(1);
  expect(browser.text()).not.toContain('Hi ');
}

describe('ID token checks', () => {
  it.each<[string, IdTokenFault]>([
    ['invalid issuer', 'wrongIssuer'],
    ['missing sub', 'missingSub'],
    ['invalid audience', 'wrongAudience'],
    ['missing iat', 'missingIat'],
    ['invalid signature', 'badSignature'],
    ['invalid nonce', 'wrongNonce'],
    ['expired token', 'expired'],
  ])('%s: refused with a 401 page, not signed in', async (_, fault) => {
    const browser = await signInWith(fault);
    expect(browser.status).toBe(401);
    expect(browser.$('#problem h2').text()).toBe('The sign-in could not be verified');
    expect(browser.$('#Home').attr('href')).toBe('/');
    await expectSignedOut(browser);
  });

  it('kid absent with a single key: accepted', async () => {
    const browser = await signInWith('missingKid');
    expect(browser.text()).toContain(`Hi ${stack.emulator.demoUser.givenName}`);
  });

  it('signing key rotated after the keys were cached: accepted after fetching them again', async () => {
    expect((await signInWith(null)).text()).toContain(`Hi ${stack.emulator.demoUser.givenName}`);
    await stack.emulator.faults.rotateSigningKey();
    expect((await signInWith(null)).text()).toContain(`Hi ${stack.emulator.demoUser.givenName}`);
  });
});
