// Bad input on every page: the page again, a clear message next to the field, the typed values
// kept (never a password), never a 500.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { Emulator } from '../../src/emulator/index.ts';
import type { Browser } from '../support/browser.ts';
import { appBrowser, beginAuthorization, signIn, start } from './fixtures.ts';

const GOOD = { email: 'new@example.com', newPassword: 'Sup3rSecret', reenterPassword: 'Sup3rSecret', givenName: 'New', surname: 'Person' };

describe('bad input', () => {
  let emulator: Emulator;
  let browser: Browser;
  beforeEach(async () => {
    emulator = await start();
    browser = appBrowser();
  });
  afterEach(() => emulator.close());

  const open = async (flow: string) => {
    const tx = await beginAuthorization(emulator, flow);
    await browser.get(tx.url);
  };
  /** The message shown for a field, wired to it for screen readers. */
  const fieldError = (id: string) => {
    const described = browser.$(`#${id}`).attr('aria-describedby') ?? '';
    expect(described).toContain(`${id}-error`);
    expect(browser.$(`#${id}`).attr('aria-invalid')).toBe('true');
    return browser.text(`#${id}-error`);
  };

  describe('sign-in page', () => {
    beforeEach(() => open(emulator.flows.signUpSignIn));

    it('wrong password: one neutral message for the page, keeps the email, clears the password', async () => {
      await signIn(browser, emulator.demoUser.email, 'wrong-password1');
      expect(browser.status).toBe(400);
      expect(browser.text('#pageLevelError')).toBe('Invalid username or password.');
      // In the page's error box, where field errors are listed too (the browser journeys wait for it).
      expect(browser.$('#errorSummary #pageLevelError').length).toBe(1);
      expect(browser.$('[aria-invalid]').length).toBe(0);
      expect(browser.$('#signInName').attr('value')).toBe(emulator.demoUser.email);
      expect(browser.$('#password').attr('value')).toBeUndefined();
      expect(browser.body).not.toContain('wrong-password1');
    });

    it('unknown email: the same message (lockout.test.ts compares the whole answer)', async () => {
      await signIn(browser, 'nobody@example.com', 'whatever1');
      expect(browser.status).toBe(400);
      expect(browser.text('#pageLevelError')).toBe('Invalid username or password.');
      expect(browser.$('#signInName').attr('value')).toBe('nobody@example.com');
    });

    it('empty fields and a malformed email', async () => {
      await signIn(browser, '', '');
      expect(fieldError('signInName')).toBe('Please enter your email address.');
      expect(fieldError('password')).toBe('Please enter your password.');
      await signIn(browser, 'not-an-email', 'x');
      expect(fieldError('signInName')).toBe('Please enter a valid email address.');
    });

    it('then signs in once the input is right', async () => {
      await signIn(browser, emulator.demoUser.email, 'wrong');
      await signIn(browser, emulator.demoUser.email, emulator.demoUser.password);
      expect(new URL(browser.url).searchParams.get('code')).toBeTruthy();
    });
  });

  describe('sign-up page', () => {
    beforeEach(async () => {
      await open(emulator.flows.signUpSignIn);
      await browser.click('#createAccount');
    });

    it('weak passwords: too short, or without a letter and a digit', async () => {
      await browser.submit('#continue', { ...GOOD, newPassword: 'Ab1', reenterPassword: 'Ab1' });
      expect(browser.status).toBe(400);
      expect(fieldError('newPassword')).toBe('The password must be at least 8 characters long.');
      await browser.submit('#continue', { ...GOOD, newPassword: 'onlyletters', reenterPassword: 'onlyletters' });
      expect(fieldError('newPassword')).toBe('The password must contain at least one letter and one digit.');
      await browser.submit('#continue', { ...GOOD, newPassword: '1234567890', reenterPassword: '1234567890' });
      expect(fieldError('newPassword')).toBe('The password must contain at least one letter and one digit.');
    });

    it('mismatched passwords keep every other typed value', async () => {
      await browser.submit('#continue', { ...GOOD, reenterPassword: 'Different1' });
      expect(fieldError('reenterPassword')).toMatch(/^The password entry fields do not match/);
      expect(browser.$('#email').attr('value')).toBe(GOOD.email);
      expect(browser.$('#givenName').attr('value')).toBe(GOOD.givenName);
      expect(browser.$('#surname').attr('value')).toBe(GOOD.surname);
      expect(browser.$('#newPassword').attr('value')).toBeUndefined();
    });

    it('an email already signed up (in any case)', async () => {
      await browser.submit('#continue', { ...GOOD, email: emulator.demoUser.email.toUpperCase() });
      expect(fieldError('email')).toBe('A user with the specified ID already exists. Please choose a different one.');
      expect(browser.$('#email').attr('value')).toBe(emulator.demoUser.email.toUpperCase());
    });

    it('missing names, and markup in a name is shown as text', async () => {
      await browser.submit('#continue', { ...GOOD, givenName: ' ', surname: '<script>alert(1)</script>' });
      expect(fieldError('givenName')).toBe('Please enter your given name.');
      expect(browser.$('#surname').attr('value')).toBe('<script>alert(1)</script>');
      expect(browser.$('script').length).toBe(0);
    });
  });

  describe('profile page', () => {
    it('an empty given name', async () => {
      await open(emulator.flows.editProfile);
      await signIn(browser, emulator.demoUser.email, emulator.demoUser.password);
      await browser.submit('#continue', { givenName: '', surname: 'Kept' });
      expect(browser.status).toBe(400);
      expect(fieldError('givenName')).toBe('Please enter your given name.');
      expect(browser.$('#surname').attr('value')).toBe('Kept');
      expect(await emulator.accounts.findByEmail(emulator.demoUser.email)).toMatchObject({ givenName: 'Demo', surname: 'User' });
    });
  });

  describe('password reset page', () => {
    beforeEach(() => open(emulator.flows.resetPassword));

    it('an unknown email', async () => {
      await browser.submit('#continue', { email: 'ghost@example.com', newPassword: 'Sup3rSecret', reenterPassword: 'Sup3rSecret' });
      expect(fieldError('email')).toBe('An account could not be found for the provided user ID.');
      expect(browser.$('#email').attr('value')).toBe('ghost@example.com');
    });

    it('a weak or mismatched new password changes nothing', async () => {
      await browser.submit('#continue', { email: emulator.demoUser.email, newPassword: 'short1', reenterPassword: 'short1' });
      expect(fieldError('newPassword')).toBe('The password must be at least 8 characters long.');
      await browser.submit('#continue', { email: emulator.demoUser.email, newPassword: 'Sup3rSecret', reenterPassword: 'Sup3rSecreT' });
      expect(fieldError('reenterPassword')).toMatch(/do not match/);
      expect(await emulator.accounts.verifyPassword(emulator.demoUser.email, emulator.demoUser.password)).toBeDefined();
    });
  });

  it('odd form bodies (repeated fields, huge values) get the page again, not a 500', async () => {
    await open(emulator.flows.signUpSignIn);
    const action = new URL(browser.$('#localAccountForm').attr('action')!, browser.url);
    const repeated = await fetch(action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: browser.jar.header(action, { crossSite: false, method: 'POST' }) },
      body: 'signInName=a%40b.co&signInName=c%40d.co&password=x&password=y',
    });
    expect(repeated.status).toBe(400);
    await browser.submit('#next', { signInName: emulator.demoUser.email, password: 'x'.repeat(10_000) });
    expect(browser.status).toBe(400);
    expect(browser.text('#pageLevelError')).toBe('Invalid username or password.');
  });
});
