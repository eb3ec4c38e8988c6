// {authority}/oauth2/v2.0/logout, as the app calls it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { Emulator } from '../../src/emulator/index.ts';
import { APP_ORIGIN, appBrowser, beginAuthorization, callback, CLIENT, redeem, signIn, start } from './fixtures.ts';
import type { Browser } from '../support/browser.ts';

describe('logout', () => {
  let emulator: Emulator;
  let browser: Browser;
  let idToken: string;
  beforeEach(async () => {
    emulator = await start();
    browser = appBrowser();
    const tx = await beginAuthorization(emulator, emulator.flows.signUpSignIn);
    await browser.get(tx.url);
    await signIn(browser, emulator.demoUser.email, emulator.demoUser.password);
    idToken = (await redeem(tx, callback(browser))).idToken;
  });
  afterEach(() => emulator.close());

  const logoutUrl = (params: Record<string, string>) => {
    const url = new URL(`${emulator.authority(emulator.flows.signUpSignIn)}/oauth2/v2.0/logout`);
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
    return url.href;
  };

  it('with only post_logout_redirect_uri: ends the emulator session and redirects straight back', async () => {
    await browser.get(logoutUrl({ post_logout_redirect_uri: `${APP_ORIGIN}/` }));
    expect(browser.page.stopped).toBe(true);
    expect(browser.url).toBe(`${APP_ORIGIN}/`);
    expect(browser.page.redirects).toHaveLength(1);
    expect(browser.jar.all().map((c) => c.name)).not.toContain('b2c_emulator_sso');

    const tx = await beginAuthorization(emulator, emulator.flows.signUpSignIn);
    await browser.get(tx.url);
    expect(browser.$('#signInName').length).toBe(1);
  });

  it('passes the state back and accepts id_token_hint and client_id', async () => {
    await browser.get(logoutUrl({ post_logout_redirect_uri: `${APP_ORIGIN}/`, id_token_hint: idToken, client_id: CLIENT.clientId, state: 'bye' }));
    expect(browser.url).toBe(`${APP_ORIGIN}/?state=bye`);
  });

  it('never redirects to an unregistered URI: error page, session kept', async () => {
    for (const target of ['https://attacker.example/', `${APP_ORIGIN}/elsewhere`, 'javascript:alert(1)']) {
      const response = await fetch(logoutUrl({ post_logout_redirect_uri: target }), { redirect: 'manual' });
      expect(response.status).toBe(400);
      expect(response.headers.get('location')).toBeNull();
      expect(await response.text()).toContain('The post_logout_redirect_uri is not registered for this application.');
    }
    const tx = await beginAuthorization(emulator, emulator.flows.signUpSignIn);
    await browser.get(tx.url);
    expect(callback(browser).get('code')).toBeTruthy();
  });

  it("refuses a registered URI of another client than the one named", async () => {
    await emulator.close();
    const other = { clientId: 'other', clientSecret: 'other-secret', redirectUris: ['http://other.test/cb'], postLogoutRedirectUris: ['http://other.test/'] };
    emulator = await start({ clients: [CLIENT, other] });
    const response = await fetch(logoutUrl({ post_logout_redirect_uri: 'http://other.test/', client_id: CLIENT.clientId }), { redirect: 'manual' });
    expect(response.status).toBe(400);
    const allowed = await fetch(logoutUrl({ post_logout_redirect_uri: 'http://other.test/' }), { redirect: 'manual' });
    expect(allowed.headers.get('location')).toBe('http://other.test/');
  });

  it('without a post_logout_redirect_uri, says the user is signed out', async () => {
    await browser.get(logoutUrl({}));
    expect(browser.status).toBe(200);
    expect(browser.text('h1')).toBe('You have signed out');
  });
});
