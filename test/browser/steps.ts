// The steps both providers' browser journeys share: where the browser is (the app's page, the
// emulator's), what the navigation says, a fresh account, the way to the sign-in page. They read
// the stack through `current`, since each suite starts its stack in beforeAll.
import type { Page } from 'playwright-core';
import type { Stack } from '../support/stack.ts';
import type { Journey } from './journey.ts';

export interface Person { email: string; password: string; givenName: string }

export function browserSteps(current: () => Stack) {
  const home = () => `${current().appOrigin}/`;

  /** Waits until the browser is on one of the emulator's pages whose path has the segment `segment`
   *  (B2C: a user flow's name; External ID: `login`) and `selector` shows. */
  async function onEmulator(page: Page, segment: string, selector: string) {
    const { origin } = current().emulator;
    await page.waitForURL((url) => url.origin === origin && url.pathname.toLowerCase().includes(`/${segment.toLowerCase()}/`));
    await page.locator(selector).waitFor();
  }

  /** Waits until the browser is back on the app's page showing `selector` (which tells the states apart). */
  async function onHome(page: Page, selector: string) {
    await page.waitForURL(home());
    await page.locator(selector).waitFor();
  }

  const nav = (page: Page) => page.locator('nav').innerText();
  const message = (page: Page) => page.locator('#message').innerText();

  /** The path segment of the emulator's sign-in pages in the mode it plays. */
  const signInSegment = () => {
    const { emulator } = current();
    return emulator.mode === 'external-id' ? 'login' : emulator.flows.signUpSignIn;
  };

  /** From the signed-out page to the emulator's sign-in page, until `selector` shows. */
  async function toSignInPage({ page, see }: Pick<Journey, 'page' | 'see'>, selector: string) {
    await page.goto(home());
    await page.locator('#SignIn').waitFor();
    await see('home');
    await page.click('#SignIn');
    await onEmulator(page, signInSegment(), selector);
    await see('sign-in');
  }

  let accounts = 0;
  /** A fresh account, straight into the emulator's store, so journeys do not share one. */
  async function account(givenName: string): Promise<Person> {
    accounts += 1;
    const email = `browser${accounts}.${Date.now()}@example.com`;
    await current().emulator.accounts.create({ email, password: 'Secret123', givenName, surname: 'Tester' });
    return { email, password: 'Secret123', givenName };
  }

  return { home, onEmulator, onHome, nav, message, toSignInPage, account };
}
