// The tutorial's Express app, untouched but for its .env, against the emulator in https mode: MSAL
// with its default https discovery, the emulator's CA trusted through NODE_EXTRA_CA_CERTS only.
// A person's whole visit, driven by the ids on the app's pages and on B2C's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Browser } from '../support/browser.ts';
import { freePort } from '../support/ports.ts';
import { startHttpsEmulator, type HttpsEmulator } from '../fixtures/https-emulator.ts';
import { startTutorialApp, type TutorialApp, type TutorialEnv } from '../fixtures/tutorial-app/start.ts';

const CLIENT_ID = 'tutorial-web-app';
const CLIENT_SECRET = 'tutorial-web-app-secret';

/** B2C's element ids, by page: how a person (and this test) knows where the browser is. */
const PAGES = {
  signIn: ['#signInName', '#password', '#next'],
  profileEdit: ['#givenName', '#surname', '#continue', '#cancel'],
  passwordReset: ['#email', '#newPassword', '#reenterPassword', '#continue', '#cancel'],
};

function expectOn(browser: Browser, page: keyof typeof PAGES): void {
  for (const id of PAGES[page]) expect(browser.$(id).length, `${id} on ${browser.url}`).toBe(1);
}

describe("the tutorial's Express app against the emulator over https", () => {
  let idp: HttpsEmulator;
  let env: TutorialEnv;
  let app: TutorialApp;
  const browser = new Browser();

  beforeAll(async () => {
    const port = await freePort();
    const origin = `http://localhost:${port}`;
    idp = await startHttpsEmulator({
      clients: [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUris: [`${origin}/redirect`], postLogoutRedirectUris: [origin] }],
      // As B2C (and `npm run emulator`): a confidential web app need not send PKCE, and the tutorial's does not.
      requirePkce: false,
    });
    const { emulator } = idp;
    const susi = emulator.authority(emulator.flows.signUpSignIn);
    // What the tutorial tells a team to write, with the emulator's URLs in place of the tenant's.
    env = {
      SERVER_PORT: String(port),
      APP_CLIENT_ID: CLIENT_ID,
      SESSION_SECRET: 'tutorial-session-secret',
      APP_CLIENT_SECRET: CLIENT_SECRET,
      SIGN_UP_SIGN_IN_POLICY_AUTHORITY: susi,
      RESET_PASSWORD_POLICY_AUTHORITY: emulator.authority(emulator.flows.resetPassword),
      EDIT_PROFILE_POLICY_AUTHORITY: emulator.authority(emulator.flows.editProfile),
      AUTHORITY_DOMAIN: emulator.origin,
      APP_REDIRECT_URI: `${origin}/redirect`,
      LOGOUT_ENDPOINT: `${susi}/oauth2/v2.0/logout?post_logout_redirect_uri=${origin}`,
    };
    app = await startTutorialApp(env, idp.caCertPath);
  });

  afterAll(async () => {
    await app?.stop();
    await idp?.close();
  });

  it('signs in: Sign in, the B2C sign-in page, then "Hi Demo" on the app', async () => {
    await browser.get(`${app.origin}/`);
    expect(browser.text('.card-title')).toBe('Please sign-in to acquire an ID token');
    await browser.click('#SignIn');
    expect(browser.url.startsWith(`${env.SIGN_UP_SIGN_IN_POLICY_AUTHORITY}/`), browser.url).toBe(true);
    expect(new URL(browser.url).protocol).toBe('https:');
    expectOn(browser, 'signIn');
    await browser.submit('#next', { signInName: idp.emulator.demoUser.email, password: idp.emulator.demoUser.password });
    expect(new URL(browser.url).origin, app.output()).toBe(app.origin);
    expect(browser.status, browser.body).toBe(200);
    expect(browser.text('nav')).toContain('Hi Demo');
    expect(browser.text('.card-title')).toContain('You have signed in');
    expect(browser.$('#EditProfile').length).toBe(1);
  });

  it('edits the profile: the new given name is what the app greets', async () => {
    await browser.click('#EditProfile');
    // Signed in at the emulator already: straight to the profile page, the current name filled in.
    expectOn(browser, 'profileEdit');
    expect(browser.$('#givenName').attr('value')).toBe('Demo');
    await browser.submit('#continue', { givenName: 'Dana' });
    expect(browser.status, browser.body).toBe(200);
    expect(browser.text('nav')).toContain('Hi Dana');
  });

  it("cancels a password reset: the tutorial's message, still signed in", async () => {
    await browser.click('#PasswordReset');
    expectOn(browser, 'passwordReset');
    await browser.submit('#cancel');
    expect(browser.status, browser.body).toBe(200);
    expect(browser.text('.text-danger')).toBe('User has cancelled the operation');
    expect(browser.text('nav')).toContain('Hi Dana');
  });

  it('resets the password: back on the app, still greeted', async () => {
    await browser.click('#PasswordReset');
    expectOn(browser, 'passwordReset');
    await browser.submit('#continue', { email: idp.emulator.demoUser.email, newPassword: 'N3w-passw0rd', reenterPassword: 'N3w-passw0rd' });
    expect(browser.status, browser.body).toBe(200);
    expect(browser.text('nav')).toContain('Hi Dana');
    expect(browser.text('.card-title')).toContain('You have signed in');
  });

  it("signs out through the emulator's logout, back to the app signed out; the next sign-in asks again and takes the new password", async () => {
    await browser.click('a[href="/signout"]');
    expect(browser.page.redirects.some((url) => url.startsWith(`${env.SIGN_UP_SIGN_IN_POLICY_AUTHORITY}/oauth2/v2.0/logout?`))).toBe(true);
    expect(new URL(browser.url).origin).toBe(app.origin);
    expect(browser.$('#SignIn').length).toBe(1);

    // The emulator's session ended too: its sign-in page again, not a silent sign-in.
    await browser.click('#SignIn');
    expectOn(browser, 'signIn');
    await browser.submit('#next', { signInName: idp.emulator.demoUser.email, password: idp.emulator.demoUser.password });
    expectOn(browser, 'signIn');
    expect(browser.text('#pageLevelError')).toBe('Invalid username or password.');
    await browser.submit('#next', { signInName: idp.emulator.demoUser.email, password: 'N3w-passw0rd' });
    expect(browser.status, browser.body).toBe(200);
    expect(browser.text('nav')).toContain('Hi Dana');
  });

  it('redeemed every code at the token endpoint of the user flow that issued it', () => {
    const { flows } = idp.emulator;
    const grants = idp.emulator.tokenRequests.filter((r) => r.grantType === 'authorization_code');
    // The tutorial redeems no code after a password reset.
    expect(grants.map(({ flow, status }) => ({ flow, status }))).toEqual([
      { flow: flows.signUpSignIn, status: 200 },
      { flow: flows.editProfile, status: 200 },
      { flow: flows.signUpSignIn, status: 200 },
    ]);
  });

  it("without NODE_EXTRA_CA_CERTS the same app cannot reach the emulator: /signin answers 500, as the issue's app did", async () => {
    const port = await freePort();
    const untrusting = await startTutorialApp({ ...env, SERVER_PORT: String(port) }, null);
    try {
      const response = await fetch(`${untrusting.origin}/signin`, { redirect: 'manual' });
      expect(response.status).toBe(500);
      expect(response.headers.get('location')).toBeNull();
      // MSAL could not fetch the user flow's metadata: the certificate is not trusted.
      expect(await response.json()).toMatchObject({ errorCode: 'endpoints_resolution_error' });
    } finally {
      await untrusting.stop();
    }
  });
});
