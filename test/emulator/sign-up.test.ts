// "Sign up now" on the sign-up/sign-in page.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { Emulator } from '../../src/emulator/index.ts';
import { appBrowser, beginAuthorization, callback, redeem, signIn, start } from './fixtures.ts';

const NEW_USER = { email: 'ada@example.com', newPassword: 'Analytical1', reenterPassword: 'Analytical1', givenName: 'Ada', surname: 'Lovelace' };

describe('sign-up', () => {
  let emulator: Emulator;
  beforeEach(async () => { emulator = await start(); });
  afterEach(() => emulator.close());

  it('creates the account and signs the new user in with newUser: true', async () => {
    const tx = await beginAuthorization(emulator, emulator.flows.signUpSignIn);
    const browser = appBrowser();
    await browser.get(tx.url);
    await browser.click('#createAccount');
    expect(browser.text('h1')).toBe('Create your account');
    for (const id of ['email', 'newPassword', 'reenterPassword', 'givenName', 'surname', 'continue', 'cancel']) {
      expect(browser.$(`#${id}`).length, id).toBe(1);
    }
    await browser.submit('#continue', NEW_USER);

    const result = await redeem(tx, callback(browser));
    const account = await emulator.accounts.findByEmail(NEW_USER.email);
    expect(account).toMatchObject({ givenName: 'Ada', surname: 'Lovelace' });
    expect(result.idTokenClaims).toMatchObject({
      sub: account!.id, oid: account!.id, newUser: true, emails: [NEW_USER.email], given_name: 'Ada', family_name: 'Lovelace',
      name: 'Ada Lovelace', tfp: emulator.flows.signUpSignIn, nonce: tx.nonce,
    });
  });

  it('says newUser only once: the next sign-in of that user (SSO) does not', async () => {
    const browser = appBrowser();
    const first = await beginAuthorization(emulator, emulator.flows.signUpSignIn);
    await browser.get(first.url);
    await browser.click('#createAccount');
    await browser.submit('#continue', NEW_USER);
    await redeem(first, callback(browser));

    const second = await beginAuthorization(emulator, emulator.flows.signUpSignIn);
    await browser.get(second.url);
    const result = await redeem(second, callback(browser));
    expect(result.idTokenClaims).toMatchObject({ emails: [NEW_USER.email] });
    expect(result.idTokenClaims).not.toHaveProperty('newUser');
  });

  it('lets the new user sign in with the chosen password', async () => {
    await emulator.accounts.create({ email: NEW_USER.email, password: NEW_USER.newPassword, givenName: 'Ada', surname: 'Lovelace' });
    const tx = await beginAuthorization(emulator, emulator.flows.signUpSignIn);
    const browser = appBrowser();
    await browser.get(tx.url);
    await signIn(browser, 'ADA@example.com', NEW_USER.newPassword);
    const result = await redeem(tx, callback(browser));
    expect(result.idTokenClaims).toMatchObject({ given_name: 'Ada' });
  });

  it('cancel on the sign-up page returns AADB2C90091 to the app with the state, and creates nothing', async () => {
    const tx = await beginAuthorization(emulator, emulator.flows.signUpSignIn);
    const browser = appBrowser();
    await browser.get(tx.url);
    await browser.click('#createAccount');
    await browser.submit('#cancel', { email: NEW_USER.email });
    const params = callback(browser);
    expect(params.get('error')).toBe('access_denied');
    expect(params.get('error_description')).toMatch(/^AADB2C90091: The user has cancelled the operation\.\r\nCorrelation ID: [0-9a-f-]{36}\r\nTimestamp: \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z$/);
    expect(params.get('state')).toBe(tx.state);
    expect(params.get('code')).toBeNull();
    expect(await emulator.accounts.findByEmail(NEW_USER.email)).toBeUndefined();
  });
});
