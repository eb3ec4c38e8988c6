// The journeys of journeys.test.ts with the emulator playing Microsoft Entra External ID: sign-in
// asks for the email, then the password; sign-up and "Forgot password?" verify the email with a
// one-time code, read here from the emulator's inbox panel as a person reads their mailbox; there is
// no cancel back to the app, and no profile-editing or password-reset flow (src/emulator/EXTERNAL-ID.md).
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../support/stack.ts';
import { launchChromium, skipBrowserJourneys } from './chromium.ts';
import { journey, type Journey } from './journey.ts';
import { browserSteps, type Person } from './steps.ts';

describe.skipIf(skipBrowserJourneys)('External ID journeys in Chromium', () => {
  let stack: Stack;
  let browser: Browser | undefined;
  beforeAll(async () => {
    stack = await startStack({}, () => ({}), { mode: 'external-id' });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  // Prefixed: the B2C journeys photograph into test-results/browser/sign-in/ and so on, and the two
  // files may run at once.
  const run = (name: string, steps: (j: Journey) => Promise<void>) => journey(browser!, `external-id-${name}`, steps);
  const { home, onEmulator, onHome, nav, toSignInPage, account } = browserSteps(() => stack);
  /** Every External ID page lives under `/{tenant id}/login/{interaction}`. */
  const onLogin = (page: Page, selector: string) => onEmulator(page, 'login', selector);
  const signedIn = 'a[href="/signout"]';

  /** On the email page: the email, Next, and the password page seen. */
  async function enterEmail({ page, see }: Journey, email: string) {
    await page.fill('#email', email);
    await page.click('#next');
    await onLogin(page, '#password');
    expect(await page.locator('#signInName').innerText()).toBe(email);
    await see('sign-in-password');
  }

  /** On the password page: signs in and expects the greeting. */
  async function enterPassword({ page, see }: Journey, password: string, givenName: string) {
    await page.fill('#password', password);
    await page.click('#next');
    await onHome(page, signedIn);
    await see('home-signed-in');
    expect(await nav(page)).toContain(`Hi ${givenName}`);
  }

  /** From the signed-out page through both sign-in pages to the greeting. */
  async function signIn(j: Journey, person: Person) {
    await toSignInPage(j, '#email');
    await enterEmail(j, person.email);
    await enterPassword(j, person.password, person.givenName);
  }

  /** On the code page: the panel's code (the one the emulator "sent" to `email`) typed in. */
  async function enterCode({ page, see }: Journey, email: string, purpose: 'sign-up' | 'password-reset') {
    await onLogin(page, '#emulatorInboxCode');
    await see('verify-code');
    expect(await page.locator('#emulatorInboxTo').innerText()).toBe(email);
    const code = (await page.locator('#emulatorInboxCode').innerText()).trim();
    expect(code).toMatch(/^\d{8}$/);
    expect(stack.emulator.inbox.at(-1)).toMatchObject({ to: email, code, purpose });
    await page.fill('#otp', code);
    await page.click('#next');
  }

  async function signOut(page: Page) {
    await page.click(signedIn);
    await onHome(page, '#SignIn');
  }

  it('sign-in takes the email, then the password, and offers no profile edit or password reset', () =>
    run('sign-in', async (j) => {
      await signIn(j, stack.emulator.demoUser);
      expect(await j.page.locator('main').innerText()).toContain('You have signed in');
      expect(await j.page.locator('#EditProfile').count()).toBe(0);
      expect(await j.page.locator('#PasswordReset').count()).toBe(0);
      expect(await j.page.locator('#SignIn').count()).toBe(0);
    }));

  it('a wrong password is refused on the password page; the right one then signs in', () =>
    run('wrong-password', async (j) => {
      const { page, see } = j;
      const person = await account('Typo');
      await toSignInPage(j, '#email');
      await enterEmail(j, person.email);
      await page.fill('#password', 'Wrong1234');
      await page.click('#next');
      await page.locator('#pageLevelError').waitFor();
      await see('sign-in-refused');
      expect(await page.locator('#pageLevelError').innerText()).toBe('Invalid username or password.');
      expect(new URL(page.url()).origin).toBe(stack.emulator.origin);
      await enterPassword(j, person.password, person.givenName);
    }));

  it('sign-up verifies the email with the code from the inbox panel and greets the new user', () =>
    run('sign-up', async (j) => {
      const { page, see } = j;
      const email = `zoe.${Date.now()}@example.com`;
      await toSignInPage(j, '#createAccount');
      await page.click('#createAccount');
      await onLogin(page, '#email');
      await see('sign-up-email');
      await page.fill('#email', email);
      await page.click('#next');
      await enterCode(j, email, 'sign-up');
      await onLogin(page, '#givenName');
      await see('sign-up-details');
      await page.fill('#newPassword', 'Secret123');
      await page.fill('#reenterPassword', 'Secret123');
      await page.fill('#givenName', 'Zoë');
      await page.fill('#surname', 'Tester');
      await page.click('#next');
      await onHome(page, signedIn);
      await see('home-signed-in');
      expect(await nav(page)).toContain('Hi Zoë');
      expect((await stack.emulator.accounts.findByEmail(email))?.givenName).toBe('Zoë');
    }));

  it('"Forgot password?" on the password page resets it inside sign-in; afterwards only the new password works', () =>
    run('forgot-password', async (j) => {
      const { page, see } = j;
      const person = await account('Forgetful');
      await toSignInPage(j, '#email');
      await enterEmail(j, person.email);
      await page.click('#forgotPassword');
      await enterCode(j, person.email, 'password-reset');
      await onLogin(page, '#newPassword');
      await see('new-password');
      await page.fill('#newPassword', 'NewSecret9');
      await page.fill('#reenterPassword', 'NewSecret9');
      await page.click('#next');
      await onHome(page, signedIn);
      await see('home-signed-in');
      expect(await nav(page)).toContain('Hi Forgetful');

      await signOut(page);
      await page.click('#SignIn');
      await onLogin(page, '#email');
      await enterEmail(j, person.email);
      await page.fill('#password', person.password);
      await page.click('#next');
      await page.locator('#pageLevelError').waitFor(); // the old password: still on the emulator
      await see('sign-in-refused');
      await enterPassword(j, 'NewSecret9', 'Forgetful');
    }));

  it('going back to the app from the sign-in page leaves it signed out, and Sign in works again', () =>
    run('back-to-app', async (j) => {
      const { page, see } = j;
      const person = await account('Returner');
      await toSignInPage(j, '#email');
      // External ID's pages have no cancel that reports to the app: the person just goes back.
      await page.goBack();
      await onHome(page, '#SignIn');
      await page.reload(); // the server's answer, not a page from the back/forward cache
      await page.locator('#SignIn').waitFor();
      await see('home-back');
      expect(await nav(page)).not.toContain('Hi ');
      expect(await page.locator('#message').count()).toBe(0);

      await page.click('#SignIn');
      await onLogin(page, '#email');
      await see('sign-in-again');
      await enterEmail(j, person.email);
      await enterPassword(j, person.password, person.givenName);
    }));

  it('sign-out ends the session in the app and at External ID', () =>
    run('sign-out', async (j) => {
      const { page, see, navigations } = j;
      await signIn(j, stack.emulator.demoUser);
      await signOut(page);
      await see('home-signed-out');
      const logout = String((await stack.emulator.metadata()).end_session_endpoint);
      expect(logout).toMatch(/\/oauth2\/v2\.0\/logout$/);
      expect(navigations.some((url) => url.startsWith(`${logout}?`))).toBe(true);
      expect(await nav(page)).not.toContain('Hi ');

      // The emulator's own session ended too: signing in asks for the email again.
      await page.click('#SignIn');
      await onLogin(page, '#email');
      await see('sign-in');
    }));

  it('Call API shows the sample API\'s answer, naming the person', () =>
    run('web-api', async (j) => {
      const { page, see } = j;
      const person = await account('Caller');
      await signIn(j, person);
      await page.click('#CallApi');
      await page.waitForURL(`${stack.appOrigin}/api`);
      await page.locator('#apiResponse').waitFor();
      await see('api');
      expect(JSON.parse(await page.locator('#apiResponse').innerText())).toEqual({ name: 'Caller Tester', scopes: ['tasks.read'] });
      expect(await nav(page)).toContain('Hi Caller');
      await page.click('#Home');
      await onHome(page, '#CallApi');
    }));

  it('/profile and /password typed in the address bar show the "not offered" page, with a way home', () =>
    run('not-offered', async (j) => {
      const { page, see } = j;
      /** Types `path`, expects its 404 page titled `title`, and follows its link home. */
      async function notOffered(path: string, title: string, name: string, homeSelector: string) {
        const response = await page.goto(`${stack.appOrigin}${path}`);
        expect(response?.status()).toBe(404);
        await page.locator('#problem').waitFor();
        await see(name);
        expect(await page.locator('#problem h2').innerText()).toBe(title);
        await page.click('#Home');
        await onHome(page, homeSelector);
      }
      await page.goto(home());
      await notOffered('/profile', 'Profile editing is not offered', 'profile-signed-out', '#SignIn');
      await notOffered('/password', 'Password reset is part of sign-in', 'password-signed-out', '#SignIn');

      const person = await account('Curious');
      await signIn(j, person);
      await notOffered('/profile', 'Profile editing is not offered', 'profile-signed-in', signedIn);
      await notOffered('/password', 'Password reset is part of sign-in', 'password-signed-in', signedIn);
      expect(await nav(page)).toContain('Hi Curious');
    }));
});
