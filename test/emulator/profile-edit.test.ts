// The profile-edit user flow.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { Emulator } from '../../src/emulator/index.ts';
import { appBrowser, beginAuthorization, callback, redeem, signIn, start } from './fixtures.ts';

describe('profile edit', () => {
  let emulator: Emulator;
  beforeEach(async () => { emulator = await start(); });
  afterEach(() => emulator.close());

  it('with no emulator session, asks to sign in first, then saves the change into the ID token', async () => {
    const tx = await beginAuthorization(emulator, emulator.flows.editProfile);
    const browser = appBrowser();
    await browser.get(tx.url);
    expect(browser.$('#signInName').length).toBe(1);
    expect(browser.$('#createAccount').length).toBe(0);
    expect(browser.text('#userFlow')).toContain(emulator.flows.editProfile);
    await signIn(browser, emulator.demoUser.email, emulator.demoUser.password);

    expect(browser.text('h1')).toBe('Edit your profile');
    expect(browser.$('#givenName').attr('value')).toBe('Demo');
    await browser.submit('#continue', { givenName: 'Grace', surname: 'Hopper' });

    const result = await redeem(tx, callback(browser));
    expect(result.idTokenClaims).toMatchObject({ given_name: 'Grace', family_name: 'Hopper', name: 'Grace Hopper', tfp: emulator.flows.editProfile, nonce: tx.nonce });
    expect(await emulator.accounts.findByEmail(emulator.demoUser.email)).toMatchObject({ givenName: 'Grace', surname: 'Hopper' });
  });

  it('with an emulator session (SSO), goes straight to the profile page', async () => {
    const browser = appBrowser();
    const signInTx = await beginAuthorization(emulator, emulator.flows.signUpSignIn);
    await browser.get(signInTx.url);
    await signIn(browser, emulator.demoUser.email, emulator.demoUser.password);
    await redeem(signInTx, callback(browser));

    const tx = await beginAuthorization(emulator, emulator.flows.editProfile);
    await browser.get(tx.url);
    expect(browser.text('#email')).toBe(emulator.demoUser.email);
    await browser.submit('#continue', { givenName: 'Demo', surname: 'Renamed' });
    const result = await redeem(tx, callback(browser));
    expect(result.idTokenClaims).toMatchObject({ family_name: 'Renamed', tfp: emulator.flows.editProfile });
  });

  it('cancel returns AADB2C90091 and changes nothing', async () => {
    const tx = await beginAuthorization(emulator, emulator.flows.editProfile);
    const browser = appBrowser();
    await browser.get(tx.url);
    await signIn(browser, emulator.demoUser.email, emulator.demoUser.password);
    await browser.submit('#cancel', { givenName: 'Mallory' });
    const params = callback(browser);
    expect(params.get('error')).toBe('access_denied');
    expect(params.get('error_description')).toMatch(/^AADB2C90091: The user has cancelled the operation\.\r\nCorrelation ID: /);
    expect(params.get('state')).toBe(tx.state);
    expect(await emulator.accounts.findByEmail(emulator.demoUser.email)).toMatchObject({ givenName: 'Demo' });
  });
});
