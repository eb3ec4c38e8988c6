// Every journey with Microsoft Entra External ID as the provider, over real HTTP: the app configured
// with one AUTHORITY, the emulator playing an External ID tenant (email, then password; one-time
// codes read from its inbox panel), a scripted browser doing what a person does. The API calls are
// in external-id-api.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser } from '../support/browser.ts';
import { enterCode, forgotPassword, signIn, signUp, type NewAccount } from '../support/idp-pages.ts';
import { startStack, type Mode, type Stack } from '../support/stack.ts';

const MODE = 'external-id';
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({}, undefined, { mode: MODE });
});
afterAll(() => stack.close());

const demo = () => stack.emulator.demoUser;
/** The app's cookies this browser holds, by name. */
const appCookies = (browser: Browser) => browser.jar.matching(new URL(stack.appOrigin)).map((c) => c.name).sort();
/** The emulator's pages for this tenant: `<origin>/<tenant-id>/login/<interaction>[/step]`. */
const atEmulatorPage = (browser: Browser) => browser.url.startsWith(`${stack.emulator.origin}/${stack.emulator.tenantId}/login/`);
const greeting = (browser: Browser) => browser.text('nav p');
const authorizeRequests = (browser: Browser) => browser.page.redirects.filter((url) => new URL(url).pathname.endsWith('/oauth2/v2.0/authorize'));

let people = 0;
function newAccount(givenName: string): NewAccount {
  people += 1;
  return { email: `eid${people}.${Date.now()}@example.com`, password: 'Secret123', givenName, surname: 'Tester' };
}

/** A new person signs up through the app and ends on the home page, signed in. */
async function signedUp(givenName: string) {
  const account = newAccount(givenName);
  const browser = new Browser();
  await browser.get(`${stack.appOrigin}/signin`);
  await signUp(browser, MODE, account);
  expect(greeting(browser)).toBe(`Hi ${givenName} Tester`);
  return { browser, account };
}

describe('sign-up with the emailed code', () => {
  it('"No account? Create one": the code from the inbox panel, then the password and names, back at the app greeted by name', async () => {
    const account = newAccount('Zoë');
    const browser = new Browser();
    await browser.get(stack.appOrigin);
    await browser.click('#SignIn');
    expect(atEmulatorPage(browser)).toBe(true);
    expect(browser.text('h1')).toBe('Sign in');
    await browser.click('#createAccount');
    await browser.submit('#next', { email: account.email });
    // The code page: the code "sent" to the address typed, shown only in the emulator's inbox panel.
    expect(browser.text('h1')).toBe('Verify your email');
    expect(browser.text('#codeSent')).toContain(account.email);
    expect(browser.text('#emulatorInboxTo')).toBe(account.email);
    const sent = stack.emulator.inbox.at(-1)!;
    expect(sent).toMatchObject({ to: account.email, purpose: 'sign-up', code: expect.stringMatching(/^\d{8}$/) });
    expect(browser.text('#emulatorInboxCode')).toBe(sent.code);
    await enterCode(browser);
    expect(browser.text('h1')).toBe('Create your password and profile');
    await browser.submit('#next', { newPassword: account.password, reenterPassword: account.password, givenName: 'Zoë', surname: 'Tester' });

    expect(browser.url).toBe(`${stack.appOrigin}/`);
    expect(browser.status).toBe(200);
    expect(greeting(browser)).toBe('Hi Zoë Tester'); // External ID's ID token names the person in `name`
    expect(browser.text()).toContain('You have signed in');
    expect(appCookies(browser)).toEqual(['b2c.sid', 'b2c.sid.sig']);
    expect(await stack.emulator.accounts.findByEmail(account.email)).toMatchObject({ givenName: 'Zoë', surname: 'Tester' });
  });

  it('a wrong code is refused on the code page, nothing is created, and the right one then goes on', async () => {
    const account = newAccount('Careful');
    const browser = new Browser();
    await browser.get(`${stack.appOrigin}/signin`);
    await browser.click('#createAccount');
    await browser.submit('#next', { email: account.email });
    const { code } = stack.emulator.inbox.at(-1)!;
    const wrong = `${code.slice(0, -1)}${(Number(code.at(-1)) + 1) % 10}`;
    await browser.submit('#next', { otp: wrong });
    expect(browser.status).toBe(400);
    expect(atEmulatorPage(browser)).toBe(true);
    expect(browser.text('#otp-error')).toBe('The code you entered is not correct. Try again.');
    expect(await stack.emulator.accounts.findByEmail(account.email)).toBeUndefined();
    expect(appCookies(browser)).toEqual(['b2c.pending']); // not signed in at the app
    await enterCode(browser);
    await browser.submit('#next', { newPassword: account.password, reenterPassword: account.password, givenName: 'Careful', surname: 'Tester' });
    expect(greeting(browser)).toBe('Hi Careful Tester');
  });
});

describe('sign-in', () => {
  it('asks for the email, then the password, and greets the person with a signed session id only', async () => {
    const browser = new Browser();
    await browser.get(stack.appOrigin);
    await browser.click('#SignIn');
    expect(authorizeRequests(browser).map((url) => new URL(url).pathname)).toEqual([`/${stack.emulator.tenantId}/oauth2/v2.0/authorize`]);
    expect(browser.$('#password').length).toBe(0);
    await browser.submit('#next', { email: demo().email });
    expect(browser.text('h1')).toBe('Enter your password');
    expect(browser.text('#signInName')).toBe(demo().email);
    await browser.submit('#next', { password: demo().password });
    expect(browser.url).toBe(`${stack.appOrigin}/`);
    expect(greeting(browser)).toBe('Hi Demo User');
    expect(browser.$('#SignIn').length).toBe(0);
    expect(browser.$('a[href="/signout"]').text()).toContain('Sign out');
    const cookies = browser.jar.matching(new URL(stack.appOrigin));
    expect(cookies.map((c) => c.name).sort()).toEqual(['b2c.sid', 'b2c.sid.sig']);
    for (const cookie of cookies) expect(cookie.value).not.toContain('eyJ');
  });

  it('a wrong password stays on the password page with "Invalid username or password.", and the right one then signs in', async () => {
    const browser = new Browser();
    await browser.get(`${stack.appOrigin}/signin`);
    await signIn(browser, MODE, { email: demo().email, password: 'not-the-password' });
    expect(browser.status).toBe(400);
    expect(atEmulatorPage(browser)).toBe(true);
    expect(browser.text('#pageLevelError')).toBe('Invalid username or password.');
    expect(appCookies(browser)).toEqual(['b2c.pending']);
    await browser.submit('#next', { password: demo().password });
    expect(greeting(browser)).toBe('Hi Demo User');
  });
});

describe('"Forgot password?" inside sign-in', () => {
  it('the emailed code, then a new password, back at the app signed in; then the old password fails and the new one works', async () => {
    const { browser: first, account } = await signedUp('Forgetful');
    await first.click('a[href="/signout"]');

    const browser = new Browser();
    await browser.get(`${stack.appOrigin}/signin`);
    const state = new URL(authorizeRequests(browser)[0]!).searchParams.get('state');
    await forgotPassword(browser, MODE, { email: account.email, password: 'NewSecret9' });
    expect(stack.emulator.inbox.at(-1)).toMatchObject({ to: account.email, purpose: 'password-reset' });
    // The reset answers the app's own sign-in: its state, a code, no error (B2C's AADB2C90118 has no counterpart).
    const callback = new URL(browser.page.redirects.find((url) => url.startsWith(`${stack.appOrigin}/redirect?`))!);
    expect(callback.searchParams.get('state')).toBe(state);
    expect([callback.searchParams.has('code'), callback.searchParams.has('error')]).toEqual([true, false]);
    expect(browser.url).toBe(`${stack.appOrigin}/`);
    expect(greeting(browser)).toBe('Hi Forgetful Tester');
    await browser.click('a[href="/signout"]');

    await browser.get(`${stack.appOrigin}/signin`);
    await signIn(browser, MODE, account);
    expect(browser.text('#pageLevelError')).toBe('Invalid username or password.');
    await browser.submit('#next', { password: 'NewSecret9' });
    expect(greeting(browser)).toBe('Hi Forgetful Tester');
  });
});

describe('going back to the app instead of signing in (External ID has no cancel)', () => {
  it('the app still shows signed out with a working Sign in; a new sign-in completes, and the abandoned request’s callback is then refused', async () => {
    const browser = new Browser();
    await browser.get(`${stack.appOrigin}/signin`);
    const [abandoned] = authorizeRequests(browser);
    await browser.submit('#next', { email: demo().email });
    // The pages offer a way back within the flow, no cancel that answers the app with an error.
    expect(browser.$('#back').length).toBe(1);
    expect(browser.$('#cancel').length).toBe(0);

    await browser.get(stack.appOrigin);
    expect(browser.status).toBe(200);
    expect(browser.text()).toContain('Please sign-in to acquire an ID token');
    expect(browser.$('#message').length).toBe(0);
    await browser.click('#SignIn');
    expect(authorizeRequests(browser)).toHaveLength(1);
    expect(authorizeRequests(browser)[0]).not.toBe(abandoned);
    await signIn(browser, MODE, demo());
    expect(greeting(browser)).toBe('Hi Demo User');

    // The abandoned request, opened again (the Back button): the emulator's session answers it at
    // once, and the app, whose transaction for it is gone, redeems nothing.
    const redemptions = stack.emulator.tokenRequests.length;
    await browser.get(abandoned!);
    const callback = browser.page.redirects.find((url) => url.startsWith(`${stack.appOrigin}/redirect?`))!;
    expect(new URL(callback).searchParams.get('state')).toBe(new URL(abandoned!).searchParams.get('state'));
    expect(browser.status).toBe(400);
    expect(browser.text('#problem h2')).toBe('This sign-in response is not expected');
    expect(greeting(browser)).toBe('Hi Demo User');
    expect(stack.emulator.tokenRequests.length).toBe(redemptions);
  });
});

describe('sign-out', () => {
  it('goes through the emulator’s logout endpoint back to the app signed out; the old session cookie no longer works', async () => {
    const browser = new Browser();
    await browser.get(`${stack.appOrigin}/signin`);
    await signIn(browser, MODE, demo());
    const cookie = browser.jar.header(new URL(stack.appOrigin), { crossSite: false, method: 'GET' });
    expect(await (await fetch(stack.appOrigin, { headers: { cookie } })).text()).toContain('Hi Demo User');

    await browser.click('a[href="/signout"]');
    const logout = browser.page.redirects.map((url) => new URL(url)).find((url) => url.origin === stack.emulator.origin)!;
    expect(logout.pathname).toBe(`/${stack.emulator.tenantId}/oauth2/v2.0/logout`);
    expect(logout.searchParams.get('post_logout_redirect_uri')).toBe(stack.appOrigin);
    expect(browser.url).toBe(`${stack.appOrigin}/`);
    expect(browser.$('#SignIn').attr('href')).toBe('/signin');
    expect(browser.text('nav')).not.toContain('Hi ');
    expect(appCookies(browser)).toEqual([]);

    const replay = await (await fetch(stack.appOrigin, { headers: { cookie } })).text();
    expect(replay).toContain('Please sign-in to acquire an ID token');
    expect(replay).not.toContain('Hi Demo');
    // The emulator's session ended too: the next sign-in asks for the email again.
    await browser.click('#SignIn');
    expect(browser.$('#email').length).toBe(1);
  });
});

describe('what External ID does not offer', () => {
  const pages = [
    ['/profile', 'Profile editing is not offered', 'no profile-editing flow'],
    ['/password', 'Password reset is part of sign-in', 'choose "Forgot password?" on the sign-in page'],
  ] as const;

  it.each(pages)('%s signed out: a 404 page saying so, a way home, nothing started', async (path, title, detail) => {
    const browser = new Browser();
    await browser.get(`${stack.appOrigin}${path}`);
    expect([browser.status, browser.text('#problem h2')]).toEqual([404, title]);
    expect(browser.text('#problem')).toContain(detail);
    expect(browser.$('#problem #Home').attr('href')).toBe('/');
    expect(browser.$('#SignIn').length).toBe(1);
    expect(browser.page.redirects).toEqual([`${stack.appOrigin}${path}`]);
    expect(browser.jar.all()).toEqual([]);
  });

  it.each(pages)('%s signed in: a 404 page saying so, a way home, still signed in', async (path, title, detail) => {
    const browser = new Browser();
    await browser.get(`${stack.appOrigin}/signin`);
    await signIn(browser, MODE, demo());
    await browser.get(`${stack.appOrigin}${path}`);
    expect([browser.status, browser.text('#problem h2')]).toEqual([404, title]);
    expect(browser.text('#problem')).toContain(detail);
    expect(greeting(browser)).toBe('Hi Demo User');
    await browser.click('#problem #Home');
    expect([browser.status, greeting(browser)]).toEqual([200, 'Hi Demo User']);
  });
});

describe.each(['external-id', 'b2c'] as const satisfies readonly Mode[])('signed in with %s', (mode) => {
  let here: Stack;
  beforeAll(async () => void (here = mode === MODE ? stack : await startStack({}, undefined, { mode })));
  afterAll(() => (here === stack ? undefined : here?.close()));

  it('the navigation offers "Edit profile" and "Reset password" only where the provider has them', async () => {
    const browser = new Browser();
    await browser.get(`${here.appOrigin}/signin`);
    await signIn(browser, mode, here.emulator.demoUser);
    expect(browser.$('a[href="/signout"]').length).toBe(1);
    expect(browser.$('#CallApi').attr('href')).toBe('/api');
    const offered = mode === 'b2c';
    expect(browser.$('#EditProfile').attr('href')).toBe(offered ? '/profile' : undefined);
    expect(browser.$('#PasswordReset').attr('href')).toBe(offered ? '/password' : undefined);
  });
});

describe('logs', () => {
  // Last in this file: the lines of every journey above are read.
  it('never carry a one-time code, an email, a name or a token', () => {
    const codes = stack.emulator.inbox.map((message) => message.code);
    expect(codes.length).toBeGreaterThanOrEqual(4); // three sign-ups and a reset above
    const leaked = stack.logs.join('\n');
    // A code as a number of its own (log lines carry longer numbers: times).
    for (const code of codes) expect(leaked).not.toMatch(new RegExp(`(?<!\\d)${code}(?!\\d)`));
    for (const secret of ['@example.com', 'Zoë', 'Forgetful', 'Demo User', 'Secret123', 'NewSecret9', demo().password]) expect(leaked).not.toContain(secret);
    expect(leaked).not.toMatch(/eyJ[\w-]+\.[\w-]+\./);
    expect(leaked).not.toMatch(/code=|state=|nonce=|otp/);
  });
});
