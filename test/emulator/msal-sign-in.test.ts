// Sign-up/sign-in driven the way the app will drive it: MSAL builds the URL and redeems the code.
import { decodeJwt } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { Emulator } from '../../src/emulator/index.ts';
import { Browser } from '../support/browser.ts';
import { APP_ORIGIN, appBrowser, beginAuthorization, callback, CLIENT, redeem, signIn, start } from './fixtures.ts';

describe('sign-up/sign-in with MSAL as the client', () => {
  let emulator: Emulator;
  beforeEach(async () => { emulator = await start(); });
  afterEach(() => emulator.close());

  it('signs the demo user in and MSAL returns an account with B2C claims', async () => {
    const tx = await beginAuthorization(emulator, emulator.flows.signUpSignIn);
    const browser = appBrowser();
    await browser.get(tx.url);
    expect(browser.text('h1')).toBe('Sign in with your email address');
    await signIn(browser, emulator.demoUser.email, emulator.demoUser.password);
    const params = callback(browser);
    expect(params.get('state')).toBe(tx.state);

    const result = await redeem(tx, params);
    const claims = result.idTokenClaims as Record<string, unknown>;
    const demo = (await emulator.accounts.findByEmail(emulator.demoUser.email))!;
    expect(claims).toMatchObject({
      iss: emulator.issuer, sub: demo.id, oid: demo.id, aud: CLIENT.clientId, nonce: tx.nonce, ver: '1.0',
      tfp: emulator.flows.signUpSignIn, given_name: 'Demo', family_name: 'User', name: 'Demo User',
      emails: [emulator.demoUser.email],
    });
    for (const claim of ['exp', 'nbf', 'iat', 'auth_time']) expect(typeof claims[claim]).toBe('number');
    expect(claims.newUser).toBeUndefined();
    expect(decodeJwt(result.idToken)).toEqual(claims);
  });

  it("returns B2C's client_info so MSAL's account is <oid>-<flow>.<tenant id>", async () => {
    const tx = await beginAuthorization(emulator, emulator.flows.signUpSignIn);
    const browser = appBrowser();
    await browser.get(tx.url);
    await signIn(browser, emulator.demoUser.email, emulator.demoUser.password);
    const result = await redeem(tx, callback(browser));
    const demo = (await emulator.accounts.findByEmail(emulator.demoUser.email))!;
    const tenantId = emulator.issuer.split('/')[3];
    expect(result.account).toMatchObject({
      homeAccountId: `${demo.id}-${emulator.flows.signUpSignIn.toLowerCase()}.${tenantId}`,
      localAccountId: demo.id,
      // MSAL takes a B2C account's tenantId from the token's tfp.
      tenantId: emulator.flows.signUpSignIn,
    });
  });

  it('signs a browser that has an emulator session in again without showing a page (SSO), even arriving from the app site', async () => {
    const first = await beginAuthorization(emulator, emulator.flows.signUpSignIn);
    const browser = appBrowser();
    await browser.get(first.url);
    await signIn(browser, emulator.demoUser.email, emulator.demoUser.password);
    await redeem(first, callback(browser));

    // The app's page redirects the browser here: a cross-site top-level navigation.
    const second = await beginAuthorization(emulator, emulator.flows.signUpSignIn);
    const fromApp = await appPageRedirectingTo(browser, second.url);
    expect(fromApp.redirects).toHaveLength(2);
    const result = await redeem(second, callback(browser));
    expect(result.idTokenClaims).toMatchObject({ nonce: second.nonce, tfp: emulator.flows.signUpSignIn });
  });

  it('keeps its session cookie usable on plain http across sites: HttpOnly, SameSite=Lax, not Secure', async () => {
    const tx = await beginAuthorization(emulator, emulator.flows.signUpSignIn);
    const browser = appBrowser();
    await browser.get(tx.url);
    await signIn(browser, emulator.demoUser.email, emulator.demoUser.password);
    const session = browser.jar.all().find((c) => c.name === 'b2c_emulator_sso');
    expect(session).toMatchObject({ httpOnly: true, secure: false, sameSite: 'lax', path: '/' });
  });

  it('shows the sign-in page again when the app asks for prompt=login', async () => {
    const browser = appBrowser();
    const first = await beginAuthorization(emulator, emulator.flows.signUpSignIn);
    await browser.get(first.url);
    await signIn(browser, emulator.demoUser.email, emulator.demoUser.password);
    const again = await beginAuthorization(emulator, emulator.flows.signUpSignIn, { prompt: 'login' });
    await browser.get(again.url);
    expect(browser.$('#signInName').length).toBe(1);
  });

  it('lets another user sign in over an existing session (prompt=login): the emulator ends the old session first', async () => {
    await emulator.accounts.create({ email: 'other@example.com', password: 'Other1234', givenName: 'Other', surname: 'Person' });
    const browser = appBrowser();
    const first = await beginAuthorization(emulator, emulator.flows.signUpSignIn);
    await browser.get(first.url);
    await signIn(browser, emulator.demoUser.email, emulator.demoUser.password);
    const again = await beginAuthorization(emulator, emulator.flows.signUpSignIn, { prompt: 'login' });
    await browser.get(again.url);
    await signIn(browser, 'other@example.com', 'Other1234');
    // oidc-provider asks the browser to confirm ending the old session (a self-submitting form; no JS here).
    await browser.submit('form');
    const result = await redeem(again, callback(browser));
    expect(result.idTokenClaims).toMatchObject({ emails: ['other@example.com'], nonce: again.nonce });
  });

  it('MSAL refuses the tokens when acquireTokenByCode is not handed the nonce the request carried', async () => {
    const tx = await beginAuthorization(emulator, emulator.flows.signUpSignIn);
    const browser = appBrowser();
    await browser.get(tx.url);
    await signIn(browser, emulator.demoUser.email, emulator.demoUser.password);
    const code = callback(browser).get('code')!;
    await expect(tx.msal.acquireTokenByCode({ code, scopes: ['openid'], redirectUri: CLIENT.redirectUris[0]!, codeVerifier: tx.verifier }))
      .rejects.toMatchObject({ errorCode: 'nonce_mismatch' });
  });

  it('issues a refresh token MSAL can use later', async () => {
    const tx = await beginAuthorization(emulator, emulator.flows.signUpSignIn);
    const browser = appBrowser();
    await browser.get(tx.url);
    await signIn(browser, emulator.demoUser.email, emulator.demoUser.password);
    const first = await redeem(tx, callback(browser));
    const refreshed = await tx.msal.acquireTokenSilent({ account: first.account!, scopes: ['openid'], forceRefresh: true });
    expect(refreshed.idTokenClaims).toMatchObject({ sub: first.uniqueId, tfp: emulator.flows.signUpSignIn });
    expect(refreshed.fromCache).toBe(false);
  });
});

/** Loads a page of the app's site that redirects onward, as the app's /signin route would. */
async function appPageRedirectingTo(browser: Browser, target: string) {
  const { createServer } = await import('node:http');
  const app = createServer((_req, res) => { res.writeHead(302, { location: target }).end(); });
  await new Promise<void>((resolve) => app.listen(0, 'localhost', resolve));
  try {
    const { port } = app.address() as { port: number };
    // Same site as the real app (localhost), another port: the browser is still sent back to APP_ORIGIN.
    expect(new URL(APP_ORIGIN).hostname).toBe('localhost');
    return await browser.get(`http://localhost:${port}/signin`);
  } finally {
    app.closeAllConnections();
    await new Promise((resolve) => app.close(resolve));
  }
}
