// The emulator's pages as a person works them, in either provider's shape: B2C's one sign-in page
// (#signInName, #password, #next) and its own sign-up and reset flows; External ID's email-then-
// password pages, with sign-up and "Forgot password?" verified by a one-time code read from the
// emulator's inbox panel (the person's mailbox). Each function starts on the page it names and
// ends wherever the provider sends the browser next (normally the app).
import type { Browser } from './browser.ts';
import type { Mode } from './stack.ts';

export interface Credentials { email: string; password: string }
export interface NewAccount extends Credentials { givenName: string; surname: string }

/** On the sign-in page: signs in. External ID asks for the email first, then the password. */
export async function signIn(browser: Browser, mode: Mode, { email, password }: Credentials): Promise<void> {
  if (mode === 'b2c') {
    await browser.submit('#next', { signInName: email, password });
    return;
  }
  await onEmailPage(browser, email);
  await browser.submit('#next', { password });
}

/** On the sign-in page: "No account? Create one", and the account created (External ID: with the emailed code). */
export async function signUp(browser: Browser, mode: Mode, account: NewAccount): Promise<void> {
  await browser.click('#createAccount');
  const { email, password, givenName, surname } = account;
  if (mode === 'b2c') {
    await browser.submit('#continue', { email, newPassword: password, reenterPassword: password, givenName, surname });
    return;
  }
  await browser.submit('#next', { email });
  await enterCode(browser);
  await browser.submit('#next', { newPassword: password, reenterPassword: password, givenName, surname });
}

/** On the sign-in page: "Forgot password?". External ID: the code, then the new password, all inside
 *  sign-in, ending signed in. B2C: its click only (the app is told, and starts the reset flow). */
export async function forgotPassword(browser: Browser, mode: Mode, { email, password }: Credentials): Promise<void> {
  if (mode === 'b2c') {
    await browser.click('#forgotPassword');
    return;
  }
  await onEmailPage(browser, email);
  await browser.submit('#forgotPassword'); // a button of its own form, not a link
  await enterCode(browser);
  await browser.submit('#next', { newPassword: password, reenterPassword: password });
}

/** External ID's code page: the code the emulator's inbox panel shows, typed in. */
export async function enterCode(browser: Browser): Promise<void> {
  const code = browser.$('#emulatorInboxCode').text().trim();
  if (!/^\d+$/.test(code)) throw new Error(`no one-time code on ${browser.url}: ${browser.text('main').slice(0, 200)}`);
  await browser.submit('#next', { otp: code });
}

/** External ID's first page: the email, then Next (the password page follows). */
async function onEmailPage(browser: Browser, email: string): Promise<void> {
  if (browser.$('#email').length) await browser.submit('#next', { email });
  if (!browser.$('#password').length) throw new Error(`not on the password page: ${browser.url}`);
}
