// External ID mode's journeys that send a one-time code: sign-up (email → code → password and names)
// and "Forgot password?" inside sign-in (code → new password → signed in, in the same authorization
// request). No mail is sent: the code is on the emulator's inbox panel and in its own log line only.
import { decodeJwt } from 'jose';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import type { Emulator } from '../../src/emulator/index.ts';
import type { Browser } from '../support/browser.ts';
import { appBrowser, beginAuthorization, callback, redeem, start, type AuthTransaction } from './fixtures.ts';

const NEW_USER = { email: 'new.person@example.com', password: 'Fresh1234', givenName: 'New', surname: 'Person' };

/** The code the emulator's inbox panel shows on the current page. */
function inboxCode(browser: Browser): string {
  expect(browser.$('aside#emulatorInbox').length).toBe(1);
  const code = browser.text('#emulatorInboxCode');
  expect(code).toMatch(/^\d{8}$/);
  return code;
}

describe('External ID mode: sign-up and password reset with one-time codes', () => {
  let emulator: Emulator;
  let logged: string[];
  let tx: AuthTransaction;
  let browser: Browser;
  beforeEach(async () => {
    logged = [];
    emulator = await start({ mode: 'external-id', inboxLog: (line) => logged.push(line) });
    tx = await beginAuthorization(emulator, emulator.flows.signUpSignIn);
    browser = appBrowser();
    await browser.get(tx.url);
  });
  afterEach(() => emulator.close());

  it('signs a new customer up: email, the code from the inbox (a wrong one refused), password and names, then signed in', async () => {
    await browser.click('#createAccount');
    expect(browser.text('h1')).toBe('Create account');
    for (const id of ['email', 'next', 'back']) expect(browser.$(`#${id}`).length, id).toBe(1);
    await browser.submit('#next', { email: NEW_USER.email });

    expect(browser.text('h1')).toBe('Verify your email');
    expect(browser.text('#codeSent')).toBe(`Enter the code we sent to ${NEW_USER.email}.`);
    for (const id of ['otp', 'next', 'resendCode', 'back']) expect(browser.$(`#${id}`).length, id).toBe(1);
    expect(browser.text('#emulatorInbox')).toMatch(/^Emulator inbox: no mail is sent/);
    expect(browser.text('#emulatorInboxTo')).toBe(NEW_USER.email);
    const code = inboxCode(browser);
    expect(emulator.inbox).toEqual([{ to: NEW_USER.email, code, purpose: 'sign-up', sentAt: expect.any(Date) }]);
    expect(logged).toEqual([expect.stringContaining(`sign-up code ${code} for ${NEW_USER.email}`)]);

    const wrong = code === '00000000' ? '11111111' : '00000000';
    await browser.submit('#next', { otp: wrong });
    expect(browser.status).toBe(400);
    expect(browser.text('#otp-error')).toBe('The code you entered is not correct. Try again.');
    // Skipping the code gets nowhere.
    await browser.get(new URL('signup/details', `${browser.url.replace(/\/verify$/, '/')}`));
    expect(browser.$('#givenName').length).toBe(0);
    await browser.get(browser.url.replace(/\/?$/, '/verify'));

    await browser.submit('#next', { otp: code });
    for (const id of ['newPassword', 'reenterPassword', 'givenName', 'surname', 'next']) expect(browser.$(`#${id}`).length, id).toBe(1);
    expect(browser.text('#signInName')).toBe(NEW_USER.email);
    await browser.submit('#next', { newPassword: NEW_USER.password, reenterPassword: NEW_USER.password, givenName: NEW_USER.givenName, surname: NEW_USER.surname });

    const result = await redeem(tx, callback(browser));
    const account = (await emulator.accounts.findByEmail(NEW_USER.email))!;
    expect(result.idTokenClaims).toMatchObject({
      oid: account.id, preferred_username: NEW_USER.email, name: 'New Person', tid: emulator.tenantId, nonce: tx.nonce,
    });
    // External ID says nothing of a new user in the token (B2C's newUser).
    expect(result.idTokenClaims).not.toHaveProperty('newUser');
    expect(await emulator.accounts.verifyPassword(NEW_USER.email, NEW_USER.password)).toMatchObject({ id: account.id });
  });

  it('refuses to sign up an email that has an account, and sends nothing', async () => {
    await browser.click('#createAccount');
    await browser.submit('#next', { email: emulator.demoUser.email.toUpperCase() });
    expect(browser.status).toBe(400);
    expect(browser.text('#email-error')).toBe('An account with this email address already exists.');
    expect(emulator.inbox).toEqual([]);
    expect(logged).toEqual([]);
  });

  it('voids a code after five wrong tries; "Resend code" sends a new one that works', async () => {
    await browser.click('#createAccount');
    await browser.submit('#next', { email: NEW_USER.email });
    const first = inboxCode(browser);
    const wrong = first === '00000000' ? '11111111' : '00000000';
    for (let attempt = 1; attempt <= 4; attempt += 1) {
      await browser.submit('#next', { otp: wrong });
      expect(browser.text('#otp-error'), `attempt ${attempt}`).toMatch(/^The code you entered is not correct/);
    }
    await browser.submit('#next', { otp: wrong });
    expect(browser.text('#otp-error')).toMatch(/^This code has expired or was entered wrongly too many times/);
    await browser.submit('#next', { otp: first });
    expect(browser.text('#otp-error')).toMatch(/^This code has expired/);

    await browser.submit('#resendCode');
    const second = inboxCode(browser);
    expect(emulator.inbox.map((message) => message.code)).toEqual([first, second]);
    await browser.submit('#next', { otp: second });
    expect(browser.$('#givenName').length).toBe(1);
  });

  it('"Forgot password?" on the password page: code, new password, back at the app signed in, same request; only the new password works after', async () => {
    await browser.submit('#next', { email: emulator.demoUser.email });
    expect(browser.text('#forgotPassword')).toBe('Forgot password?');
    await browser.submit('#forgotPassword');
    expect(browser.text('h1')).toBe('Verify your email');
    const code = inboxCode(browser);
    expect(emulator.inbox.at(-1)).toMatchObject({ to: emulator.demoUser.email, code, purpose: 'password-reset' });
    await browser.submit('#next', { otp: code });

    expect(browser.text('h1')).toBe('Reset your password');
    await browser.submit('#next', { newPassword: 'Weak', reenterPassword: 'Weak' });
    expect(browser.status).toBe(400);
    expect(browser.text('#newPassword-error')).toMatch(/at least 8 characters/);
    await browser.submit('#next', { newPassword: 'N3wSecret', reenterPassword: 'N3wSecret' });

    // No AADB2C90118 round trip: the app gets a code for the request it started.
    const params = callback(browser);
    expect(params.get('error')).toBeNull();
    expect(params.get('state')).toBe(tx.state);
    const result = await redeem(tx, params);
    expect(result.idTokenClaims).toMatchObject({ preferred_username: emulator.demoUser.email, nonce: tx.nonce });

    const fresh = appBrowser();
    const next = await beginAuthorization(emulator, emulator.flows.signUpSignIn);
    await fresh.get(next.url);
    await fresh.submit('#next', { email: emulator.demoUser.email });
    await fresh.submit('#next', { password: emulator.demoUser.password });
    expect(fresh.text('#pageLevelError')).toBe('Invalid username or password.');
    await fresh.submit('#next', { password: 'N3wSecret' });
    expect(callback(fresh).get('code')).toEqual(expect.any(String));
  });

  it('"Forgot password?" for an email no account has: the same page, nothing in the inbox, no code accepted', async () => {
    await browser.submit('#next', { email: 'nobody@example.com' });
    await browser.submit('#forgotPassword');
    expect(browser.text('h1')).toBe('Verify your email');
    expect(browser.$('#emulatorInboxCode').length).toBe(0);
    expect(browser.text('#emulatorInboxEmpty')).toBe('Nothing was sent to nobody@example.com: no account has this email address.');
    expect(emulator.inbox).toEqual([]);
    await browser.submit('#next', { otp: '12345678' });
    expect(browser.status).toBe(400);
    expect(browser.$('#newPassword').length).toBe(0);
  });

  it('shows the code nowhere but the inbox panel and the emulator\'s log line', async () => {
    const seen: string[] = [];
    const keep = () => seen.push(browser.url, browser.body, ...browser.page.headers.getSetCookie());
    await browser.submit('#next', { email: emulator.demoUser.email });
    keep();
    await browser.submit('#forgotPassword');
    const code = inboxCode(browser);
    const pageWithCode = browser.body;
    await browser.submit('#next', { otp: code });
    keep();
    await browser.submit('#next', { newPassword: 'N3wSecret', reenterPassword: 'N3wSecret' });
    keep();
    const result = await redeem(tx, callback(browser));
    seen.push(JSON.stringify(result), JSON.stringify(decodeJwt(result.idToken)), JSON.stringify(browser.jar.all()));

    expect(pageWithCode).toContain(code);
    expect(logged.filter((line) => line.includes(code))).toEqual([expect.stringMatching(/^entra external id emulator inbox: password-reset code \d{8} for demo@example\.com/)]);
    for (const text of seen) expect(text).not.toContain(code);
  });
});

describe('External ID mode: the inbox line by default', () => {
  it('goes to the emulator\'s own console line, prefixed as the emulator\'s', async () => {
    const lines: string[] = [];
    const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => { lines.push(args.map(String).join(' ')); });
    const emulator = await start({ mode: 'external-id' });
    try {
      const tx = await beginAuthorization(emulator, emulator.flows.signUpSignIn);
      const browser = appBrowser();
      await browser.get(tx.url);
      await browser.click('#createAccount');
      await browser.submit('#next', { email: NEW_USER.email });
      const code = inboxCode(browser);
      expect(lines).toEqual([`entra external id emulator inbox: sign-up code ${code} for ${NEW_USER.email} (no mail is sent)`]);
    } finally {
      spy.mockRestore();
      await emulator.close();
    }
  });
});
