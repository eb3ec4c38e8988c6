// Smart lockout and the sign-in page's one message for a failed sign-in, met the way a person (or
// an attacker) meets them: through the sign-in page.
import { afterEach, describe, expect, it } from 'vitest';

import type { Emulator, EmulatorOptions } from '../../src/emulator/index.ts';
import type { Browser } from '../support/browser.ts';
import { appBrowser, beginAuthorization, callback, redeem, signIn, start } from './fixtures.ts';

const INVALID = 'Invalid username or password.';
const LOCKED = 'Your account is temporarily locked to prevent unauthorized use. Try again later.';

describe('smart lockout', () => {
  let emulator: Emulator;
  afterEach(() => emulator.close());

  const startWith = async (lockout: EmulatorOptions['lockout']) => { emulator = await start({ lockout }); };
  /** A browser on the sign-up/sign-in page of a new authorization. */
  const onSignInPage = async (): Promise<Browser> => {
    const browser = appBrowser();
    await browser.get((await beginAuthorization(emulator, emulator.flows.signUpSignIn)).url);
    return browser;
  };
  /** Signs in on the page; what the page said, or 'signed in' when the browser went back to the app. */
  const attempt = async (browser: Browser, email: string, password: string): Promise<string> => {
    await signIn(browser, email, password);
    if (browser.page.stopped) {
      expect(callback(browser).get('code')).toBeTruthy();
      return 'signed in';
    }
    expect(browser.status).toBe(400);
    return browser.text('#pageLevelError');
  };
  const demo = () => emulator.demoUser;
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('locks the email after the threshold of wrong passwords; then even the right one is refused, in any browser', async () => {
    await startWith({ threshold: 3 });
    const browser = await onSignInPage();
    expect(await attempt(browser, demo().email, 'Wrong-one-1')).toBe(INVALID);
    expect(await attempt(browser, demo().email, 'Wrong-two-2')).toBe(INVALID);
    expect(await attempt(browser, demo().email, 'Wrong-three-3')).toBe(LOCKED);
    expect(await attempt(browser, demo().email, demo().password)).toBe(LOCKED);
    expect(browser.$('#signInName').attr('value')).toBe(demo().email);
    expect(await attempt(await onSignInPage(), demo().email.toUpperCase(), demo().password)).toBe(LOCKED);
    // Another account is not affected.
    await emulator.accounts.create({ email: 'other@example.com', password: 'Other1234', givenName: 'O', surname: 'P' });
    expect(await attempt(await onSignInPage(), 'other@example.com', 'Other1234')).toBe('signed in');
  });

  it('has B2C defaults: 10 wrong passwords, 60 seconds', async () => {
    await startWith(undefined);
    expect(emulator.lockout).toEqual({ threshold: 10, durationSeconds: 60 });
    const browser = await onSignInPage();
    for (let i = 1; i <= 9; i += 1) expect(await attempt(browser, demo().email, `Wrong-${i}-${'x'.repeat(i)}`)).toBe(INVALID);
    expect(await attempt(browser, demo().email, 'Wrong-10-final')).toBe(LOCKED);
  });

  it('ends after the lockout duration: the right password gets in again', async () => {
    await startWith({ threshold: 2, durationSeconds: 1 });
    const browser = await onSignInPage();
    await attempt(browser, demo().email, 'Wrong-one-1');
    expect(await attempt(browser, demo().email, 'Wrong-two-2')).toBe(LOCKED);
    expect(await attempt(browser, demo().email, demo().password)).toBe(LOCKED);
    // Attempts while locked are not counted, so trying until it lets go is harmless.
    let answer = LOCKED;
    for (let tries = 0; tries < 50 && answer === LOCKED; tries += 1) {
      await sleep(100);
      answer = await attempt(browser, demo().email, demo().password);
    }
    expect(answer).toBe('signed in');
  }, 20_000);

  it('after a lockout has ended, the next wrong password locks again at once (a repeated one does not count)', async () => {
    await startWith({ threshold: 2, durationSeconds: 1 });
    const browser = await onSignInPage();
    await attempt(browser, demo().email, 'Wrong-one-1');
    expect(await attempt(browser, demo().email, 'Wrong-two-2')).toBe(LOCKED);
    // The same bad password again is never counted: once the lockout ends it is plainly wrong.
    let answer = LOCKED;
    for (let tries = 0; tries < 50 && answer === LOCKED; tries += 1) {
      await sleep(100);
      answer = await attempt(browser, demo().email, 'Wrong-two-2');
    }
    expect(answer).toBe(INVALID);
    expect(await attempt(browser, demo().email, 'Wrong-three-3')).toBe(LOCKED);
    expect(await attempt(browser, demo().email, demo().password)).toBe(LOCKED);
  }, 20_000);

  it('the same wrong password over and over counts once', async () => {
    await startWith({ threshold: 2 });
    const browser = await onSignInPage();
    for (let i = 0; i < 5; i += 1) expect(await attempt(browser, demo().email, 'Same-wrong-1')).toBe(INVALID);
    expect(await attempt(browser, demo().email, demo().password)).toBe('signed in');
  });

  it('a successful sign-in starts the count afresh', async () => {
    await startWith({ threshold: 3 });
    let browser = await onSignInPage();
    expect(await attempt(browser, demo().email, 'Wrong-one-1')).toBe(INVALID);
    expect(await attempt(browser, demo().email, 'Wrong-two-2')).toBe(INVALID);
    expect(await attempt(browser, demo().email, demo().password)).toBe('signed in');
    browser = await onSignInPage();
    expect(await attempt(browser, demo().email, 'Wrong-three-3')).toBe(INVALID);
    expect(await attempt(browser, demo().email, 'Wrong-four-4')).toBe(INVALID);
    expect(await attempt(browser, demo().email, demo().password)).toBe('signed in');
  });

  it('faults.unlockAccounts() and faults.reset() end every lockout', async () => {
    await startWith({ threshold: 1 });
    const lock = async () => expect(await attempt(await onSignInPage(), demo().email, `Wrong-${Math.random()}`)).toBe(LOCKED);
    await lock();
    emulator.faults.unlockAccounts();
    expect(await attempt(await onSignInPage(), demo().email, demo().password)).toBe('signed in');
    await lock();
    emulator.faults.reset();
    expect(await attempt(await onSignInPage(), demo().email, demo().password)).toBe('signed in');
  });

  it('a password reset unlocks the account, as in B2C', async () => {
    await startWith({ threshold: 1 });
    expect(await attempt(await onSignInPage(), demo().email, 'Wrong-one-1')).toBe(LOCKED);
    const reset = await beginAuthorization(emulator, emulator.flows.resetPassword);
    const browser = appBrowser();
    await browser.get(reset.url);
    await browser.submit('#continue', { email: demo().email, newPassword: 'Brand-n3w', reenterPassword: 'Brand-n3w' });
    await redeem(reset, callback(browser));
    expect(await attempt(await onSignInPage(), demo().email, 'Brand-n3w')).toBe('signed in');
  });

  it('an unknown email and a wrong password get the same answer, and lock the same way', async () => {
    await startWith({ threshold: 3 });
    // Same length as the demo email, so that only the echoed email itself may differ.
    const unknown = 'demx@example.com';
    expect(unknown).toHaveLength(demo().email.length);
    const browser = await onSignInPage();
    const answer = async (email: string, password: string) => {
      await signIn(browser, email, password);
      const headers = Object.fromEntries([...browser.page.headers].filter(([name]) => name !== 'date'));
      return { status: browser.status, headers, body: browser.body.replaceAll(email, '{email}') };
    };
    for (const [n, expected] of [[1, INVALID], [2, INVALID], [3, LOCKED], [4, LOCKED]] as const) {
      const known = await answer(demo().email, `Wrong-${n}-pass`);
      const nobody = await answer(unknown, `Wrong-${n}-pass`);
      expect(nobody).toEqual(known);
      expect(known.status).toBe(400);
      expect(browser.text('#pageLevelError')).toBe(expected);
    }
    expect(await emulator.accounts.findByEmail(unknown)).toBeUndefined();
  });

  it.each<[string, unknown]>([
    ['threshold 0', { threshold: 0 }],
    ['threshold 1.5', { threshold: 1.5 }],
    ['threshold "10"', { threshold: '10' }],
    ['threshold 1001', { threshold: 1001 }],
    ['durationSeconds 0', { durationSeconds: 0 }],
    ['durationSeconds NaN', { durationSeconds: Number.NaN }],
    ['durationSeconds over five hours', { durationSeconds: 5 * 3600 + 1 }],
    ['null', null],
  ])('refuses lockout options with %s (TypeError)', async (_, lockout) => {
    await expect(start({ lockout: lockout as EmulatorOptions['lockout'] })).rejects.toThrow(TypeError);
    emulator = await start();
  });
});
