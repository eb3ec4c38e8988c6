// The tutorial's journeys in a real browser: Chromium clicking the app's page (localhost) and the
// emulator's pages (127.0.0.1, another site, as b2clogin.com is) by the element ids B2C uses.
// Same journeys as test/app/journeys.test.ts, plus what only a browser checks: cross-site cookies,
// the CSP, HTML form validation, rendering (screenshots) and accessibility (axe-core).
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../support/stack.ts';
import { launchChromium, skipBrowserJourneys } from './chromium.ts';
import { journey, type Journey } from './journey.ts';
import { browserSteps } from './steps.ts';

const cancelled = 'User has cancelled the operation';

describe.skipIf(skipBrowserJourneys)('journeys in Chromium', () => {
  let stack: Stack;
  let browser: Browser | undefined;
  beforeAll(async () => {
    stack = await startStack();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  const run = (name: string, steps: (j: Journey) => Promise<void>) => journey(browser!, name, steps);
  const { onEmulator, onHome, nav, message, toSignInPage, account } = browserSteps(() => stack);

  /** The password-reset page, filled in and sent. */
  async function resetPassword(page: Page, email: string, password: string) {
    await page.fill('#email', email);
    await page.fill('#newPassword', password);
    await page.fill('#reenterPassword', password);
    await page.click('#continue');
  }

  /** Signed in, starts a user flow with `button`, cancels it there, and is back signed in with the message. */
  async function cancelUserFlow(j: Journey, button: string, flow: string, view: string, person: { email: string; password: string; givenName: string }) {
    const { page, see } = j;
    await signIn(j, person.email, person.password, person.givenName);
    await page.click(button);
    await onEmulator(page, flow, '#cancel');
    await see(view);
    await page.click('#cancel');
    await onHome(page, '#message');
    await see('home-cancelled');
    expect(await message(page)).toContain(cancelled);
    expect(await nav(page)).toContain(`Hi ${person.givenName}`);
  }

  /** From the signed-out page through the emulator's sign-in page to the greeting. */
  async function signIn({ page, see }: Journey, email: string, password: string, givenName: string) {
    await toSignInPage({ page, see }, '#signInName');
    await page.fill('#signInName', email);
    await page.fill('#password', password);
    await page.click('#next');
    await onHome(page, '#EditProfile');
    await see('home-signed-in');
    expect(await nav(page)).toContain(`Hi ${givenName}`);
  }

  it('sign-up creates the account and greets the new user by name', () =>
    run('sign-up', async ({ page, see }) => {
      await toSignInPage({ page, see }, '#createAccount');
      await page.click('#createAccount');
      await onEmulator(page, stack.emulator.flows.signUpSignIn, '#newPassword');
      await see('sign-up');
      await page.fill('#email', `zoe.${Date.now()}@example.com`);
      await page.fill('#newPassword', 'Secret123');
      await page.fill('#reenterPassword', 'Secret123');
      await page.fill('#givenName', 'Zoë');
      await page.fill('#surname', 'Tester');
      await page.click('#continue');
      await onHome(page, '#EditProfile');
      await see('home-signed-in');
      expect(await nav(page)).toContain('Hi Zoë');
    }));

  it('sign-in greets the demo user and offers edit profile, reset password and sign out', () =>
    run('sign-in', async (j) => {
      const demo = stack.emulator.demoUser;
      await signIn(j, demo.email, demo.password, demo.givenName);
      expect(await j.page.locator('main').innerText()).toContain('You have signed in');
      expect(await j.page.locator('#PasswordReset').isVisible()).toBe(true);
      expect(await j.page.locator('a[href="/signout"]').innerText()).toContain('Sign out');
      expect(await j.page.locator('#SignIn').count()).toBe(0);
    }));

  it('cancel on the sign-up page returns signed out with the message, once', () =>
    run('sign-up-cancel', async ({ page, see }) => {
      await toSignInPage({ page, see }, '#createAccount');
      await page.click('#createAccount');
      await onEmulator(page, stack.emulator.flows.signUpSignIn, '#cancel');
      await see('sign-up');
      await page.click('#cancel'); // the fields are empty and required: formnovalidate must let it through
      await onHome(page, '#message');
      await see('home-cancelled');
      expect(await message(page)).toContain(cancelled);
      expect(await page.locator('#SignIn').isVisible()).toBe(true);
      await page.reload();
      await page.locator('#SignIn').waitFor();
      expect(await page.locator('#message').count()).toBe(0);
    }));

  it('edit profile changes the name the page greets', () =>
    run('profile-edit', async (j) => {
      const { page, see } = j;
      const person = await account('Before');
      await signIn(j, person.email, person.password, person.givenName);
      await page.click('#EditProfile');
      await onEmulator(page, stack.emulator.flows.editProfile, '#givenName');
      await see('profile-edit');
      expect(await page.inputValue('#givenName')).toBe('Before');
      await page.fill('#givenName', 'After');
      await page.fill('#surname', 'Changed');
      await page.click('#continue');
      await onHome(page, '#EditProfile');
      await see('home-signed-in');
      expect(await nav(page)).toContain('Hi After');
    }));

  it('cancel in edit profile returns signed in, with the message', () =>
    run('profile-edit-cancel', async (j) => cancelUserFlow(j, '#EditProfile', stack.emulator.flows.editProfile, 'profile-edit', await account('Stays'))));

  it('reset password returns signed in; afterwards only the new password works', () =>
    run('password-reset', async (j) => {
      const { page, see } = j;
      const person = await account('Resetter');
      await signIn(j, person.email, person.password, person.givenName);
      await page.click('#PasswordReset');
      await onEmulator(page, stack.emulator.flows.resetPassword, '#newPassword');
      await see('password-reset');
      await resetPassword(page, person.email, 'Changed42');
      await onHome(page, '#PasswordReset');
      await see('home-signed-in');
      expect(await nav(page)).toContain('Hi Resetter');

      await page.click('a[href="/signout"]');
      await onHome(page, '#SignIn');
      await page.click('#SignIn');
      await onEmulator(page, stack.emulator.flows.signUpSignIn, '#signInName');
      await page.fill('#signInName', person.email);
      await page.fill('#password', person.password);
      await page.click('#next');
      await page.locator('#errorSummary').waitFor(); // the old password: still on the emulator
      await see('sign-in-refused');
      await page.fill('#password', 'Changed42');
      await page.click('#next');
      await onHome(page, '#PasswordReset');
      expect(await nav(page)).toContain('Hi Resetter');
    }));

  it('cancel in reset password returns signed in, with the message', () =>
    run('password-reset-cancel', async (j) => cancelUserFlow(j, '#PasswordReset', stack.emulator.flows.resetPassword, 'password-reset', stack.emulator.demoUser)));

  it('"Forgot your password?" leads through the password reset to a signed-in page', () =>
    run('forgot-password', async ({ page, see }) => {
      const person = await account('Forgetful');
      await toSignInPage({ page, see }, '#forgotPassword');
      await page.click('#forgotPassword');
      await onEmulator(page, stack.emulator.flows.resetPassword, '#newPassword');
      await see('password-reset');
      await resetPassword(page, person.email, 'NewSecret9');
      await onHome(page, '#EditProfile');
      await see('home-signed-in');
      expect(await nav(page)).toContain('Hi Forgetful');
    }));

  it('sign in, call the API, edit profile, call the API again: the answer names the person as they are now', () =>
    run('web-api', async (j) => {
      const { page, see } = j;
      const person = await account('Caller');
      await signIn(j, person.email, person.password, person.givenName);
      await page.click('#CallApi');
      await page.waitForURL(`${stack.appOrigin}/api`);
      await page.locator('#apiResponse').waitFor();
      await see('api');
      expect(JSON.parse(await page.locator('#apiResponse').innerText())).toEqual({ name: 'Caller Tester', scopes: ['tasks.read'] });

      await page.click('#EditProfile');
      await onEmulator(page, stack.emulator.flows.editProfile, '#givenName');
      await page.fill('#givenName', 'Renamed');
      await page.click('#continue');
      await onHome(page, '#CallApi');
      // The token is renewed after the flow (at the sign-up/sign-in flow), so it carries the new name.
      await page.click('#CallApi');
      await page.waitForURL(`${stack.appOrigin}/api`);
      await page.locator('#apiResponse').waitFor();
      await see('api-after-edit');
      expect(JSON.parse(await page.locator('#apiResponse').innerText()).name).toBe('Renamed Tester');
      expect(await nav(page)).toContain('Hi Renamed');
      await page.click('#Home');
      await onHome(page, '#CallApi');
    }));

  it('sign-out ends the session in the app and at B2C', () =>
    run('sign-out', async (j) => {
      const { page, see, navigations } = j;
      const demo = stack.emulator.demoUser;
      await signIn(j, demo.email, demo.password, demo.givenName);
      await page.click('a[href="/signout"]');
      await onHome(page, '#SignIn');
      await see('home-signed-out');
      const logout = `${stack.emulator.authority(stack.emulator.flows.signUpSignIn)}/oauth2/v2.0/logout`;
      expect(navigations.some((url) => url.startsWith(logout))).toBe(true);
      expect(await nav(page)).not.toContain('Hi ');

      // The emulator's own session ended too: signing in asks for the password again.
      await page.click('#SignIn');
      await onEmulator(page, stack.emulator.flows.signUpSignIn, '#password');
      await see('sign-in');
    }));
});
