// Every journey of the tutorial, over real HTTP: the app and the built-in emulator on loopback, a
// scripted browser clicking the same buttons a person would.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, CookieJar } from '../support/browser.ts';
import { createIdentity } from '../../src/identity/index.ts';
import { startStack, type Stack } from '../support/stack.ts';

let stack: Stack;
/** What sign-out asked the identity layer to forget, and whether the token store had it. */
const forgotten: { accountId: string; removed: boolean }[] = [];
beforeAll(async () => {
  stack = await startStack({}, (config) => {
    const identity = createIdentity(config);
    const forget = identity.forget.bind(identity);
    identity.forget = async (accountId) => {
      const removed = await forget(accountId);
      forgotten.push({ accountId, removed });
      return removed;
    };
    return { identity };
  });
});
afterAll(() => stack.close());

const cancelled = 'User has cancelled the operation';

async function signInAsDemo(browser = new Browser()) {
  await browser.get(stack.appOrigin);
  await browser.click('#SignIn');
  await browser.submit('#next', { signInName: stack.emulator.demoUser.email, password: stack.emulator.demoUser.password });
  return browser;
}

let accounts = 0;
async function signUp(givenName: string, browser = new Browser()) {
  accounts += 1;
  const email = `person${accounts}.${Date.now()}@example.com`;
  await browser.get(`${stack.appOrigin}/signin`);
  await browser.click('#createAccount');
  await browser.submit('#continue', { email, newPassword: 'Secret123', reenterPassword: 'Secret123', givenName, surname: 'Tester' });
  return { browser, email, password: 'Secret123' };
}

describe('the tutorial page', () => {
  it('shows the sign-in button to a visitor, with local Bootstrap and no cookie', async () => {
    const browser = new Browser();
    await browser.get(stack.appOrigin);
    expect(browser.status).toBe(200);
    expect(browser.$('#SignIn').attr('href')).toBe('/signin');
    expect(browser.text()).toContain('Please sign-in to acquire an ID token');
    expect(browser.$('link[rel=stylesheet]').attr('href')).toBe('/assets/bootstrap.min.css');
    expect(browser.jar.all()).toEqual([]);
    const css = await fetch(`${stack.appOrigin}/assets/bootstrap.min.css`);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toContain('text/css');
    expect((await fetch(`${stack.appOrigin}/favicon.ico`)).headers.get('content-type')).toBe('image/svg+xml');
  });
});

describe('sign-in', () => {
  it('redirects with a fresh state, a nonce and an S256 PKCE challenge per request', async () => {
    const urls = await Promise.all(
      [1, 2].map(async () => {
        const response = await fetch(`${stack.appOrigin}/signin`, { redirect: 'manual' });
        expect(response.status).toBe(302);
        return new URL(response.headers.get('location')!);
      }),
    );
    for (const url of urls) {
      expect(url.origin).toBe(stack.emulator.origin);
      expect(url.searchParams.get('code_challenge_method')).toBe('S256');
      expect(url.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
      expect(url.searchParams.get('nonce')).toMatch(/^[\w-]{43}$/);
      expect(url.searchParams.get('state')).toMatch(/^[\w-]{43}$/); // 32 random octets: 256 bits
      expect(url.searchParams.get('redirect_uri')).toBe(`${stack.appOrigin}/redirect`);
    }
    expect(urls[0]!.searchParams.get('state')).not.toBe(urls[1]!.searchParams.get('state'));
    expect(urls[0]!.searchParams.get('nonce')).not.toBe(urls[1]!.searchParams.get('nonce'));
  });

  it('signs the demo user in and greets them, on a new session id', async () => {
    const browser = new Browser();
    await browser.get(`${stack.appOrigin}/signin`);
    // Mid-sign-in, the browser holds its pending cookie and no session id: one is made at sign-in.
    expect(browser.jar.matching(new URL(stack.appOrigin)).map((c) => c.name)).toEqual(['b2c.pending']);
    const before = browser.jar.matching(new URL(stack.appOrigin)).find((c) => c.name === 'b2c.sid')?.value;
    await browser.submit('#next', { signInName: stack.emulator.demoUser.email, password: stack.emulator.demoUser.password });
    expect(browser.url).toBe(`${stack.appOrigin}/`);
    expect(browser.text()).toContain(`Hi ${stack.emulator.demoUser.givenName}`);
    expect(browser.text()).toContain('You have signed in');
    expect(browser.$('#EditProfile').attr('href')).toBe('/profile');
    expect(browser.$('#PasswordReset').attr('href')).toBe('/password');
    expect(browser.$('a[href="/signout"]').text()).toContain('Sign out');
    const after = browser.jar.matching(new URL(stack.appOrigin)).find((c) => c.name === 'b2c.sid');
    expect(after?.value).toBeTruthy();
    expect(after?.value).not.toBe(before);
    // koa-session's id: a version-4 UUID, 122 random bits (SECURITY.md, "a guessed or forged session id").
    expect(after?.value).toMatch(/^[\da-f]{8}-[\da-f]{4}-4[\da-f]{3}-[89ab][\da-f]{3}-[\da-f]{12}$/);
    // The cookies hold a signed session id, never a token or a claim.
    const appCookies = browser.jar.matching(new URL(stack.appOrigin));
    expect(appCookies.map((c) => c.name).sort()).toEqual(['b2c.sid', 'b2c.sid.sig']);
    for (const c of appCookies) {
      expect(c.value.length).toBeLessThan(64);
      expect(c.value).not.toContain('eyJ');
    }
  });

  it('sets the session cookie HttpOnly and SameSite=Lax, without Secure on plain http', async () => {
    // The session cookie is set where someone is signed in: the callback's answer.
    const browser = new Browser({ stopAt: (url) => url.pathname === '/redirect' });
    await browser.get(`${stack.appOrigin}/signin`);
    await browser.submit('#next', { signInName: stack.emulator.demoUser.email, password: stack.emulator.demoUser.password });
    expect(browser.page.stopped).toBe(true);
    const app = new URL(stack.appOrigin);
    const response = await fetch(browser.url, { headers: { cookie: browser.jar.header(app, { crossSite: true, method: 'GET' }) }, redirect: 'manual' });
    expect(response.headers.get('location')).toBe('/');
    for (const name of ['b2c.sid', 'b2c.sid.sig']) {
      const cookie = response.headers.getSetCookie().find((c) => c.startsWith(`${name}=`))!;
      expect(cookie).toMatch(/;\s*httponly/i);
      expect(cookie).toMatch(/;\s*samesite=lax/i);
      expect(cookie).not.toMatch(/secure/i);
    }
    // What the browser sends back: the id and its signature, 85 bytes, nothing else (the pending
    // cookie is cleared by the same answer).
    browser.jar.store(new URL(browser.url), response.headers.getSetCookie());
    const sent = browser.jar.header(app, { crossSite: false, method: 'GET' });
    expect(sent).toMatch(/^b2c\.sid=[\w-]{36}; b2c\.sid\.sig=[\w-]{27}$/);
    expect(sent).toHaveLength(85);
  });

  it('/signin sets only the pending cookie: HttpOnly, SameSite=Lax, Path=/, without Secure on plain http, under 1,024 bytes', async () => {
    const response = await fetch(`${stack.appOrigin}/signin`, { redirect: 'manual' });
    expect(response.status).toBe(302);
    const lines = response.headers.getSetCookie();
    expect(lines.map((c) => c.split('=')[0])).toEqual(['b2c.pending']);
    const attributes = lines[0]!.slice(lines[0]!.indexOf(';'));
    expect(attributes).toMatch(/;\s*httponly/i);
    expect(attributes).toMatch(/;\s*samesite=lax/i);
    expect(attributes).toMatch(/;\s*path=\/(;|$)/i);
    expect(attributes).not.toMatch(/secure/i);
    // The whole header, and what the browser sends back with the callback, stay well under the
    // 4 KB a browser keeps per cookie.
    expect(lines.join('\n').length).toBeLessThan(1024);
    const jar = new CookieJar();
    jar.store(new URL(`${stack.appOrigin}/signin`), lines);
    const sent = jar.header(new URL(`${stack.appOrigin}/redirect`), { crossSite: true, method: 'GET' });
    expect(sent).toMatch(/^b2c\.pending=[\w.-]+$/);
    expect(sent.length).toBeLessThan(1024);
  });

  it('sign-up creates the account and greets the new user by name', async () => {
    const { browser } = await signUp('Zoë');
    expect(browser.url).toBe(`${stack.appOrigin}/`);
    expect(browser.text()).toContain('Hi Zoë');
  });

  it('a name with markup in it is greeted as text, on every page view', async () => {
    const name = '<img src=x onerror=alert(1)> & "Co"';
    const { browser } = await signUp(name);
    for (let view = 0; view < 2; view += 1) {
      expect(browser.$('nav p').text()).toBe(`Hi ${name}`);
      expect(browser.$('img').length).toBe(0);
      expect(browser.body).toContain('Hi &lt;img src=x onerror=alert(1)&gt; &amp; &quot;Co&quot;');
      await browser.get(stack.appOrigin);
    }
  });

  it('cancel on the sign-up page returns signed out with the tutorial message, once', async () => {
    const browser = new Browser();
    await browser.get(`${stack.appOrigin}/signin`);
    await browser.click('#createAccount');
    await browser.submit('#cancel');
    expect(browser.url).toBe(`${stack.appOrigin}/`);
    expect(browser.text()).toContain(cancelled);
    expect(browser.$('#SignIn').length).toBe(1);
    await browser.get(stack.appOrigin);
    expect(browser.text()).not.toContain(cancelled);
  });

  it('"Forgot your password?" leads through the password reset to a signed-in page', async () => {
    const { email } = await signUp('Forgetful');
    const browser = new Browser();
    await browser.get(`${stack.appOrigin}/signin`);
    await browser.click('#forgotPassword');
    expect(browser.url).toContain(stack.emulator.flows.resetPassword);
    await browser.submit('#continue', { email, newPassword: 'NewSecret9', reenterPassword: 'NewSecret9' });
    expect(browser.url).toBe(`${stack.appOrigin}/`);
    expect(browser.text()).toContain('Hi Forgetful');
  });
});

describe('signed in', () => {
  it('edit profile changes the name the page greets, on every view after it', async () => {
    const { browser } = await signUp('Before');
    // Views of an unchanged session are answered from what was kept of it (session-machine.ts).
    for (let i = 0; i < 2; i += 1) {
      await browser.get(`${stack.appOrigin}/`);
      expect(browser.text()).toContain('Hi Before');
    }
    await browser.click('#EditProfile');
    expect(browser.$('#givenName').attr('value')).toBe('Before');
    await browser.submit('#continue', { givenName: 'After' });
    expect(browser.url).toBe(`${stack.appOrigin}/`);
    expect(browser.text()).toContain('Hi After');
    for (let i = 0; i < 2; i += 1) {
      await browser.get(`${stack.appOrigin}/`);
      expect(browser.text()).toContain('Hi After');
      expect(browser.text()).not.toContain('Before');
    }
    // Signing out deletes the person's token cache entry (one, whichever flows they went through).
    await browser.click('a[href="/signout"]');
    expect(forgotten.at(-1)?.removed).toBe(true);
  });

  it('cancel in edit profile returns signed in, with the message', async () => {
    const { browser } = await signUp('Stays');
    await browser.click('#EditProfile');
    await browser.submit('#cancel');
    expect(browser.text()).toContain('Hi Stays');
    expect(browser.text()).toContain(cancelled);
    for (let i = 0; i < 2; i += 1) {
      await browser.get(`${stack.appOrigin}/`);
      expect(browser.text()).toContain('Hi Stays');
      expect(browser.text()).not.toContain(cancelled);
    }
  });

  it('reset password returns signed in; afterwards only the new password works', async () => {
    const { browser, email, password } = await signUp('Resetter');
    await browser.click('#PasswordReset');
    await browser.submit('#continue', { email, newPassword: 'Changed42', reenterPassword: 'Changed42' });
    expect(browser.text()).toContain('Hi Resetter');
    await browser.click('a[href="/signout"]');

    await browser.get(`${stack.appOrigin}/signin`);
    await browser.submit('#next', { signInName: email, password });
    expect(browser.url).toContain(stack.emulator.origin);
    await browser.submit('#next', { signInName: email, password: 'Changed42' });
    expect(browser.text()).toContain('Hi Resetter');
  });

  it('cancel in reset password returns signed in, with the message', async () => {
    const browser = await signInAsDemo();
    await browser.click('#PasswordReset');
    await browser.submit('#cancel');
    expect(browser.text()).toContain(`Hi ${stack.emulator.demoUser.givenName}`);
    expect(browser.text()).toContain(cancelled);
  });

  it('sign-out ends the session on the server and at B2C, and an old cookie is signed out', async () => {
    const browser = await signInAsDemo();
    const cookie = browser.jar.header(new URL(stack.appOrigin), { crossSite: false, method: 'GET' });
    await browser.click('a[href="/signout"]');
    expect(browser.page.redirects.some((url) => url.startsWith(`${stack.emulator.authority(stack.emulator.flows.signUpSignIn)}/oauth2/v2.0/logout`))).toBe(true);
    expect(browser.url).toBe(`${stack.appOrigin}/`);
    expect(browser.$('#SignIn').length).toBe(1);

    expect(forgotten.at(-1)).toEqual({ accountId: expect.any(String), removed: true });

    const replay = await fetch(stack.appOrigin, { headers: { cookie } });
    expect(await replay.text()).toContain('Please sign-in to acquire an ID token');

    // The emulator's own session ended too: signing in asks for the password again.
    await browser.click('#SignIn');
    expect(browser.url).toContain(stack.emulator.origin);
    expect(browser.$('#signInName').length).toBe(1);
  });
});

describe('many people at once', () => {
  // Production's configuration (the file's stack: /_flow off, a view of an unchanged session writes
  // nothing) and the developers' (/_flow on: every request rewrites the session with its events).
  describe.each(['off', 'on'])('with the /_flow view %s', (flowView) => {
    let here: Stack;
    beforeAll(async () => void (here = flowView === 'off' ? stack : await startStack({ FLOW_VIEW: 'on' })));
    afterAll(() => (here === stack ? undefined : here?.close()));

    it('50 browsers signing up at once each see their own name, on every view after it', async () => {
      expect((await fetch(`${here.appOrigin}/_flow`)).status, '/_flow').toBe(flowView === 'on' ? 200 : 404);
      const names = Array.from({ length: 50 }, (_, i) => `Person${i}`);
      const browsers = await Promise.all(
        names.map(async (givenName, i) => {
          const browser = new Browser();
          await browser.get(`${here.appOrigin}/signin`);
          await browser.click('#createAccount');
          const email = `crowd${i}.${flowView}.${Date.now()}@example.com`;
          await browser.submit('#continue', { email, newPassword: 'Secret123', reenterPassword: 'Secret123', givenName, surname: 'Tester' });
          return browser;
        }),
      );
      // Signed in, then everyone views the page again at once, twice: with the view off, an unchanged
      // session is answered from what was kept of it.
      for (const [i, browser] of browsers.entries()) expect(browser.text()).toContain(`Hi ${names[i]}`);
      for (let view = 0; view < 2; view += 1) {
        await Promise.all(browsers.map((browser) => browser.get(here.appOrigin)));
        for (const [i, browser] of browsers.entries()) expect(browser.$('nav').text(), `view ${view + 1} of ${names[i]}`).toContain(`Hi ${names[i]}`);
      }
    });
  });
});

describe('logs', () => {
  it('never carry a token, a code, an email or a name, across whole journeys', async () => {
    // Sign up, edit the profile, reset the password, cancel a flow, sign out: after every journey
    // above, so the lines of all of them are read.
    const { browser, email } = await signUp('Loggable');
    await browser.click('#EditProfile');
    await browser.submit('#continue', { givenName: 'Renamed' });
    await browser.click('#PasswordReset');
    await browser.submit('#continue', { email, newPassword: 'Changed77', reenterPassword: 'Changed77' });
    await browser.click('#EditProfile');
    await browser.submit('#cancel');
    expect(browser.text()).toContain('Hi Renamed');
    await browser.click('a[href="/signout"]');
    expect(browser.$('#SignIn').length).toBe(1);

    const leaked = stack.logs.join('\n');
    const { demoUser } = stack.emulator;
    for (const secret of [email, 'Loggable', 'Renamed', 'Tester', 'Secret123', 'Changed77', demoUser.email, demoUser.password, stack.config.clientSecret, stack.config.sessionSecret]) {
      expect(leaked).not.toContain(secret);
    }
    expect(leaked).not.toMatch(/eyJ[\w-]+\.[\w-]+\./); // a JWT
    expect(leaked).not.toMatch(/code=|state=|nonce=/);
    expect(leaked).not.toContain('@example.com');

    // Every line is one record an operator can query; every request has its id, route, status,
    // duration, and the machine's transition where the machine ran.
    const records = stack.logs.map((line) => JSON.parse(line));
    expect(stack.logs.every((line) => line.endsWith('\n') && !line.slice(0, -1).includes('\n'))).toBe(true);
    for (const record of records) expect(record).toMatchObject({ level: expect.stringMatching(/^(info|warn|error)$/), time: expect.any(Number), msg: expect.any(String) });
    const requests = records.filter((r) => r.msg === 'request');
    for (const r of requests) expect(r).toMatchObject({ id: expect.any(String), method: expect.any(String), route: expect.any(String), status: expect.any(Number), ms: expect.any(Number) });
    expect(new Set(requests.map((r) => r.id)).size).toBe(requests.length);
    const routes = new Set(requests.filter((r) => r.transition).map((r) => `${r.route} ${r.transition.event}`));
    for (const seen of ['/ SHOW', '/signin SIGN_IN', '/profile EDIT_PROFILE', '/password RESET_PASSWORD', '/signout SIGN_OUT', '/redirect CALLBACK']) expect(routes).toContain(seen);
    const callback = requests.find((r) => r.route === '/redirect' && r.transition?.to === 'signedIn');
    expect(callback).toMatchObject({ status: 302, transition: { event: 'CALLBACK' } });
  });
});
