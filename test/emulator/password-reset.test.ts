// "Forgot your password?" and the password-reset user flow.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { Emulator } from '../../src/emulator/index.ts';
import { appBrowser, beginAuthorization, callback, redeem, signIn, start } from './fixtures.ts';

describe('password reset', () => {
  let emulator: Emulator;
  beforeEach(async () => { emulator = await start(); });
  afterEach(() => emulator.close());

  it('"Forgot your password?" returns AADB2C90118 to the app, with Correlation ID, Timestamp and the state', async () => {
    const tx = await beginAuthorization(emulator, emulator.flows.signUpSignIn);
    const browser = appBrowser();
    await browser.get(tx.url);
    expect(browser.text('#forgotPassword')).toBe('Forgot your password?');
    await browser.click('#forgotPassword');
    const params = callback(browser);
    expect(params.get('error')).toBe('access_denied');
    expect(params.get('error_description')).toMatch(/^AADB2C90118: The user has forgotten their password\.\r\nCorrelation ID: [0-9a-f-]{36}\r\nTimestamp: \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z$/);
    expect(params.get('state')).toBe(tx.state);
  });

  it('sets a new password, signs that user in, and from then on only the new password works', async () => {
    const tx = await beginAuthorization(emulator, emulator.flows.resetPassword);
    const browser = appBrowser();
    await browser.get(tx.url);
    expect(browser.text('h1')).toBe('Reset your password');
    for (const id of ['email', 'newPassword', 'reenterPassword', 'continue', 'cancel']) expect(browser.$(`#${id}`).length, id).toBe(1);
    await browser.submit('#continue', { email: emulator.demoUser.email, newPassword: 'N3wSecret', reenterPassword: 'N3wSecret' });
    const result = await redeem(tx, callback(browser));
    expect(result.idTokenClaims).toMatchObject({ emails: [emulator.demoUser.email], tfp: emulator.flows.resetPassword, nonce: tx.nonce });

    const fresh = appBrowser();
    const old = await beginAuthorization(emulator, emulator.flows.signUpSignIn);
    await fresh.get(old.url);
    await signIn(fresh, emulator.demoUser.email, emulator.demoUser.password);
    expect(fresh.text('#pageLevelError')).toBe('Invalid username or password.');
    await signIn(fresh, emulator.demoUser.email, 'N3wSecret');
    expect((await redeem(old, callback(fresh))).idTokenClaims).toMatchObject({ emails: [emulator.demoUser.email] });
  });

  it('shows the reset page even to a browser with an emulator session, as B2C does', async () => {
    const browser = appBrowser();
    const signInTx = await beginAuthorization(emulator, emulator.flows.signUpSignIn);
    await browser.get(signInTx.url);
    await signIn(browser, emulator.demoUser.email, emulator.demoUser.password);
    const tx = await beginAuthorization(emulator, emulator.flows.resetPassword);
    await browser.get(tx.url);
    expect(browser.$('#newPassword').length).toBe(1);
  });

  it('cancel returns AADB2C90091 and leaves the password alone', async () => {
    const tx = await beginAuthorization(emulator, emulator.flows.resetPassword);
    const browser = appBrowser();
    await browser.get(tx.url);
    await browser.submit('#cancel', { email: emulator.demoUser.email, newPassword: 'N3wSecret', reenterPassword: 'N3wSecret' });
    const params = callback(browser);
    expect(params.get('error_description')).toMatch(/^AADB2C90091: The user has cancelled the operation\./);
    expect(params.get('state')).toBe(tx.state);
    expect(await emulator.accounts.verifyPassword(emulator.demoUser.email, emulator.demoUser.password)).toBeDefined();
  });
});
