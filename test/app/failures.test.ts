// What goes wrong, and what the person sees then: identity-provider faults, forged and replayed
// callbacks, hostile values. Every failure ends on a page with a way on, quickly, and the next
// attempt works without a restart. The checks of the state, the nonce and replays run with each
// provider (inEachMode); the rest with B2C.
import request from 'supertest';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Browser } from '../support/browser.ts';
import { signIn } from '../support/idp-pages.ts';
import { startStack, type Mode, type Stack } from '../support/stack.ts';

const MODES: Mode[] = ['b2c', 'external-id'];
const stacks = {} as Record<Mode, Stack>;
/** B2C's stack, but for the blocks inEachMode runs with each provider's. */
let stack: Stack;
beforeAll(async () => {
  for (const mode of MODES) stacks[mode] = await startStack({ IDP_TIMEOUT_MS: '1000' }, undefined, { mode });
  stack = stacks.b2c;
});
afterEach(() => stack.emulator.faults.reset());
afterAll(() => Promise.all(MODES.map((mode) => stacks[mode].close())));

/** Defines `tests` once per provider, `stack` being that provider's while they run (blocks run one
 *  after the other). */
function inEachMode(name: string, tests: () => void) {
  describe.each(MODES)(`${name}, with %s`, (mode) => {
    beforeAll(() => void (stack = stacks[mode]));
    afterAll(() => void (stack = stacks.b2c));
    tests();
  });
}

/** Starts sign-in and stops on the emulator's page, the way back (the callback) still ahead. */
async function atSignInPage(browser = new Browser()) {
  await browser.get(`${stack.appOrigin}/signin`);
  expect(browser.url).toContain(stack.emulator.origin);
  return browser;
}

/** On the emulator's sign-in page: the demo user signs in (External ID: email, then password). */
function signInAsDemo(browser: Browser) {
  return signIn(browser, stack.config.provider, stack.emulator.demoUser);
}

/** An error page: the status, a title, and a link back home. */
function expectProblemPage(browser: Browser, status: number, title: RegExp) {
  expect(browser.status).toBe(status);
  expect(browser.$('#problem h2').text()).toMatch(title);
  expect(browser.$('#Home').attr('href')).toBe('/');
}

describe('the identity provider fails', () => {
  it.each([
    ['answers 500', 'error500'],
    ['hangs', 'hang'],
    ['answers malformed JSON', 'malformed'],
  ] as const)('token endpoint %s: an error page, not signed in, and the next sign-in works', async (_, fault) => {
    const browser = await atSignInPage();
    stack.emulator.faults.tokenEndpoint = fault;
    await signInAsDemo(browser);
    expectProblemPage(browser, fault === 'hang' ? 504 : 503, /not answering|taking too long/);
    // Shown on a clean URL: the callback's code is neither in the address bar nor in the history.
    expect(browser.url.startsWith(`${stack.appOrigin}/problem?`)).toBe(true);
    expect(browser.page.redirects.some((url) => url.startsWith(`${stack.appOrigin}/redirect?code=`))).toBe(true);
    await browser.get(stack.appOrigin);
    expect(browser.$('#SignIn').length).toBe(1);

    stack.emulator.faults.reset();
    await browser.get(`${stack.appOrigin}/signin`); // the emulator's session signs in at once
    expect(browser.url).toBe(`${stack.appOrigin}/`);
    expect(browser.text()).toContain(`Hi ${stack.emulator.demoUser.givenName}`);
  });

  it('unreachable: an error page at once, and sign-in works again once it is back', async () => {
    const isolated = await startStack({ IDP_TIMEOUT_MS: '1000' });
    try {
      await isolated.emulator.close();
      const browser = new Browser();
      await browser.get(`${isolated.appOrigin}/signin`);
      expectProblemPage(browser, 503, /not answering/);
      expect(browser.$('#SignIn').length).toBe(1);

      await isolated.restartEmulator();
      await browser.get(`${isolated.appOrigin}/signin`);
      await signInAsDemo(browser);
      expect(browser.text()).toContain(`Hi ${isolated.emulator.demoUser.givenName}`);
    } finally {
      await isolated.close();
    }
  });
});

inEachMode('ID tokens that fail the checks', () => {
  it.each([
    ['wrongNonce', 401],
    ['badSignature', 401],
    ['wrongAudience', 401],
  ] as const)('an ID token with %s is refused: %i page, not signed in', async (fault, status) => {
    const browser = await atSignInPage();
    stack.emulator.faults.idToken = fault;
    await signInAsDemo(browser);
    expectProblemPage(browser, status, /could not be verified|could not be completed/);
    await browser.get(stack.appOrigin);
    expect(browser.$('#SignIn').length).toBe(1);
  });
});

inEachMode('callbacks the app did not ask for', () => {
  it('a forged state gets a 400 page and the real sign-in still completes', async () => {
    const browser = await atSignInPage();
    await browser.get(`${stack.appOrigin}/redirect?code=attacker-code&state=attacker-state`);
    expectProblemPage(browser, 400, /does not match/);
    await browser.get(`${stack.appOrigin}/signin`);
    await signInAsDemo(browser);
    expect(browser.text()).toContain(`Hi ${stack.emulator.demoUser.givenName}`);
  });

  it('a replayed callback gets a 400 page and the person stays signed in', async () => {
    const browser = await atSignInPage();
    await signInAsDemo(browser);
    const callback = browser.page.redirects.find((url) => url.startsWith(`${stack.appOrigin}/redirect`))!;
    expect(callback).toContain('code=');
    await browser.get(callback);
    expectProblemPage(browser, 400, /not expected/);
    expect(browser.text()).toContain(`Hi ${stack.emulator.demoUser.givenName}`);
  });

  it('a callback to a browser with no session gets a 400 page with a way to sign in', async () => {
    const browser = new Browser();
    await browser.get(`${stack.appOrigin}/redirect?code=x&state=y`);
    expectProblemPage(browser, 400, /not expected/);
    expect(browser.$('a[href="/signin"]').length).toBeGreaterThan(0);
  });

  it('a matching callback without a code gets a 400 page', async () => {
    const browser = await atSignInPage();
    const state = new URL(browser.page.redirects.find((u) => u.includes('state='))!).searchParams.get('state')!;
    await browser.get(`${stack.appOrigin}/redirect?state=${encodeURIComponent(state)}`);
    expectProblemPage(browser, 400, /incomplete/);
  });

  it('an error description is shown escaped, never as markup', async () => {
    const browser = await atSignInPage();
    const state = new URL(browser.page.redirects.find((u) => u.includes('state='))!).searchParams.get('state')!;
    const probe = '<script>alert(1)</script><img src=x onerror=alert(2)>';
    await browser.get(`${stack.appOrigin}/redirect?state=${encodeURIComponent(state)}&error=server_error&error_description=${encodeURIComponent(probe)}`);
    expectProblemPage(browser, 400, /did not complete/);
    expect(browser.body).not.toContain('<script>alert(1)</script>');
    expect(browser.body).not.toContain('<img src=x');
    expect(browser.text()).toContain(probe);
  });

  it('repeated query parameters are ignored rather than trusted', async () => {
    const browser = await atSignInPage();
    await browser.get(`${stack.appOrigin}/redirect?state=a&state=b&code=c`);
    expectProblemPage(browser, 400, /does not match/);
  });
});

describe('a session cookie the app did not sign', () => {
  it('is ignored: a signed-in session id with a forged or missing signature shows the visitor page', async () => {
    const browser = await atSignInPage();
    await signInAsDemo(browser);
    const sid = browser.jar.matching(new URL(stack.appOrigin)).find((c) => c.name === 'b2c.sid')!.value;
    const sig = browser.jar.matching(new URL(stack.appOrigin)).find((c) => c.name === 'b2c.sid.sig')!.value;
    const page = (cookie: string) => fetch(stack.appOrigin, { headers: { cookie } }).then((r) => r.text());
    expect(await page(`b2c.sid=${sid}; b2c.sid.sig=${sig}`)).toContain(`Hi ${stack.emulator.demoUser.givenName}`);
    for (const forged of [`${sig.slice(0, -1)}${sig.endsWith('A') ? 'B' : 'A'}`, sig.slice(1), '']) {
      const html = await page(`b2c.sid=${sid}; b2c.sid.sig=${forged}`);
      expect(html).not.toContain(`Hi ${stack.emulator.demoUser.givenName}`);
      expect(html).toContain('Please sign-in');
    }
    expect(await page(`b2c.sid=${sid}`)).toContain('Please sign-in');
  });
});

inEachMode('one browser, two requests at once', () => {
  // Both restore the same snapshot and race; the winner's session id is renewed, so the loser's
  // save lands on the abandoned id and cannot undo the sign-in.
  it('the same callback twice (a refresh) signs in once and is not undone by the loser', async () => {
    for (let round = 0; round < 5; round += 1) {
      const browser = new Browser({ stopAt: (url) => url.pathname === '/redirect' });
      await browser.get(`${stack.appOrigin}/signin`);
      await signInAsDemo(browser);
      expect(browser.page.stopped).toBe(true);
      const cookie = browser.jar.header(new URL(stack.appOrigin), { crossSite: false, method: 'GET' });
      const twice = await Promise.all([1, 2].map(() => fetch(browser.url, { headers: { cookie }, redirect: 'manual' })));
      // Both go home; only the winner sets a cookie, so the loser cannot undo it (test/app/races.test.ts
      // forces the overlap).
      expect(twice.map((r) => [r.status, r.headers.get('location')])).toEqual([[302, '/'], [302, '/']]);
      const setting = twice.filter((r) => r.headers.getSetCookie().length > 0);
      expect(setting).toHaveLength(1);
      const renewed = setting[0]!.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
      expect(renewed).toMatch(/^b2c\.sid=/);
      const home = await fetch(stack.appOrigin, { headers: { cookie: renewed } });
      expect(await home.text()).toContain(`Hi ${stack.emulator.demoUser.givenName}`);
    }
  });
});

describe('every route in every state', () => {
  const routes = ['/', '/signin', '/profile', '/password', '/signout', '/redirect', '/redirect?state=x&code=y', '/nowhere'];

  async function sweep(prepare: () => Promise<Browser>) {
    for (const route of routes) {
      const browser = await prepare();
      const response = await fetch(`${stack.appOrigin}${route}`, {
        headers: { cookie: browser.jar.header(new URL(stack.appOrigin), { crossSite: false, method: 'GET' }) },
        redirect: 'manual',
        signal: AbortSignal.timeout(5000),
      });
      expect(response.status, route).toBeLessThan(500);
      if (response.status >= 300 && response.status < 400) expect(response.headers.get('location'), route).toBeTruthy();
      else expect(await response.text(), route).toContain('</html>');
    }
  }

  it('answers each route signed out, mid-flow and signed in', async () => {
    await sweep(async () => new Browser());
    await sweep(() => atSignInPage());
    await sweep(async () => signInAsDemo(await atSignInPage()).then(() => new Browser()));
    await sweep(async () => {
      const browser = await atSignInPage();
      await signInAsDemo(browser);
      return browser;
    });
  });
});

describe('behind a TLS-terminating proxy', () => {
  /** The app's Set-Cookie lines, by cookie name. */
  const cookiesOf = (response: Response) => new Map(response.headers.getSetCookie().map((line) => [line.split('=')[0]!, line]));

  /**
   * The demo user's sign-in with each of the app's answers kept whole: /signin, the emulator's
   * pages (a browser of their own, stopped at the way back), then the callback, both sent with
   * `headers` (a proxy's). The callback carries /signin's cookie as the browser would, though it may
   * be Secure and this test talks plain http to the app.
   */
  async function signInThrough(s: Stack, headers: Record<string, string>) {
    const signin = await fetch(`${s.appOrigin}/signin`, { headers, redirect: 'manual' });
    expect(signin.status).toBe(302);
    const atEmulator = new Browser({ stopAt: (url) => url.pathname === '/redirect' });
    await atEmulator.get(signin.headers.get('location')!);
    await signInAsDemo(atEmulator);
    expect(atEmulator.page.stopped).toBe(true);
    const back = new URL(atEmulator.url);
    const cookie = signin.headers.getSetCookie().map((line) => line.split(';')[0]).join('; ');
    const callback = await fetch(`${s.appOrigin}${back.pathname}${back.search}`, { headers: { ...headers, cookie }, redirect: 'manual' });
    // Signed in: home, with a session id and its signature, and the pending cookie cleared.
    expect([callback.status, callback.headers.get('location')]).toEqual([302, '/']);
    return { signin, callback };
  }

  const cleared = (line: string | undefined) => expect(line).toMatch(/;\s*expires=Thu, 01 Jan 1970/i);

  it('marks the cookie Secure and sends HSTS when the proxy says https', async () => {
    const proxied = await startStack({ TRUST_PROXY: 'true' });
    try {
      const { signin, callback } = await signInThrough(proxied, { 'x-forwarded-proto': 'https' });
      // Before sign-in completes, the visitor's session is in its pending cookie only.
      expect([...cookiesOf(signin).keys()]).toEqual(['b2c.pending']);
      expect(cookiesOf(signin).get('b2c.pending')).toMatch(/;\s*secure/i);
      expect(signin.headers.get('strict-transport-security')).toContain('max-age=');

      const set = cookiesOf(callback);
      expect([...set.keys()]).toEqual(['b2c.sid', 'b2c.sid.sig', 'b2c.pending']);
      for (const line of set.values()) expect(line).toMatch(/;\s*secure/i);
      cleared(set.get('b2c.pending'));
      expect(callback.headers.get('strict-transport-security')).toContain('max-age=');
    } finally {
      await proxied.close();
    }
  });

  it('names the cookie __Host- when the app is public on https', async () => {
    const PUBLIC_REDIRECT = 'https://app.localhost/redirect';
    const proxied = await startStack({ TRUST_PROXY: 'true', APP_REDIRECT_URI: PUBLIC_REDIRECT }, undefined, { redirectUris: [PUBLIC_REDIRECT] });
    try {
      const { signin, callback } = await signInThrough(proxied, { 'x-forwarded-proto': 'https' });
      expect([...cookiesOf(signin).keys()]).toEqual(['__Host-b2c.pending']);
      expect([...cookiesOf(callback).keys()]).toEqual(['__Host-b2c.sid', '__Host-b2c.sid.sig', '__Host-b2c.pending']);
      // What a browser requires of a __Host- cookie, the clearing of the pending one included.
      for (const line of [...cookiesOf(signin).values(), ...cookiesOf(callback).values()]) {
        expect(line).toMatch(/;\s*secure/i);
        expect(line).toMatch(/;\s*path=\/(;|$)/i);
        expect(line).not.toMatch(/domain=/i);
      }
      cleared(cookiesOf(callback).get('__Host-b2c.pending'));
    } finally {
      await proxied.close();
    }
  });

  it('ignores X-Forwarded-Proto from anyone when no proxy is trusted', async () => {
    const { signin, callback } = await signInThrough(stack, { 'x-forwarded-proto': 'https' });
    expect([...cookiesOf(signin).keys()]).toEqual(['b2c.pending']);
    expect([...cookiesOf(callback).keys()]).toEqual(['b2c.sid', 'b2c.sid.sig', 'b2c.pending']);
    // The attributes only: a sealed value is long enough to spell anything.
    for (const line of [...cookiesOf(signin).values(), ...cookiesOf(callback).values()]) expect(line.slice(line.indexOf(';'))).not.toMatch(/secure/i);
    expect(signin.headers.get('strict-transport-security')).toBeNull();
    expect(callback.headers.get('strict-transport-security')).toBeNull();
  });
});

describe('headers', () => {
  it('forbid inline script, framing and sniffing on every page', async () => {
    const response = await request(stack.appOrigin).get('/').expect(200);
    expect(response.headers['content-security-policy']).toMatch(/script-src 'self'/);
    expect(response.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  });

  it('keep every page and redirect out of caches, and let assets be cached', async () => {
    const browser = await atSignInPage();
    await signInAsDemo(browser);
    const cookie = browser.jar.header(new URL(stack.appOrigin), { crossSite: false, method: 'GET' });
    for (const [path, headers, status] of [
      ['/', {}, 200],
      ['/', { cookie }, 200],
      ['/signin', {}, 302],
      ['/profile', { cookie }, 302],
      ['/redirect?code=a&state=b', {}, 303],
      ['/nowhere', {}, 404],
    ] as const) {
      const response = await fetch(`${stack.appOrigin}${path}`, { headers, redirect: 'manual' });
      expect(response.status, path).toBe(status);
      expect(response.headers.get('cache-control'), path).toBe('no-store');
    }
    const css = await fetch(`${stack.appOrigin}/assets/bootstrap.min.css`);
    expect(css.headers.get('cache-control')).toBe('public, max-age=86400');
  });

  it('keep the callback URL out of Referer headers', async () => {
    const response = await request(stack.appOrigin).get('/redirect?code=a&state=b').expect(303);
    expect(response.headers['referrer-policy']).toBe('no-referrer');
  });

  it('send a refused callback on to a clean URL that shows the problem, with its status; a forged one shows nothing', async () => {
    const refused = await fetch(`${stack.appOrigin}/redirect?code=a&state=b`, { redirect: 'manual' });
    expect(refused.status).toBe(303);
    const location = refused.headers.get('location')!;
    expect(location).toMatch(/^\/problem\?p=[\w-]+&s=[\w-]+$/);
    expect(location).not.toMatch(/code|state=/);
    const page = await fetch(`${stack.appOrigin}${location}`);
    expect(page.status).toBe(400);
    expect(await page.text()).toContain('This sign-in response is not expected');
    // The page says only what the app signed: an altered or made-up problem is not shown.
    const made = Buffer.from(JSON.stringify([400, 'Your account is blocked', 'Call +1 555 0100 now'])).toString('base64url');
    const forged = await fetch(`${stack.appOrigin}/problem?p=${made}&s=${new URL(location, stack.appOrigin).searchParams.get('s')}`);
    expect(forged.status).toBe(404);
    expect(await forged.text()).not.toContain('blocked');
  });

  it('answer an unknown address with a 404 page that leads home', async () => {
    const response = await request(stack.appOrigin).get('/nowhere').expect(404).expect('Content-Type', /html/);
    expect(response.text).toContain('Page not found');
    expect(response.text).toContain('href="/"');
  });
});

describe('logs of failures', () => {
  // Last in this file: the warnings of every fault above (token endpoint down, spoilt ID tokens,
  // forged callbacks, hostile values), with either provider, are read.
  it('carry a reason, never a token, a code or an email', () => {
    for (const mode of MODES) expect(stacks[mode].logs.map((line) => JSON.parse(line)).some((r) => r.level === 'warn'), mode).toBe(true);
    const leaked = MODES.flatMap((mode) => stacks[mode].logs).join('\n');
    expect(leaked).not.toMatch(/eyJ[\w-]+\.[\w-]+\./); // a JWT
    expect(leaked).not.toMatch(/code=|state=/);
    expect(leaked).not.toContain(stack.emulator.demoUser.email);
    expect(leaked).not.toContain(stack.config.clientSecret);
  });
});
