// Behind a TLS-terminating proxy: the browser is at https://app.localhost, the proxy talks plain http
// to the app on loopback (this test is the proxy). Whatever X-Forwarded-Proto says, the cookies
// (a visitor's pending one from /signin, the session's from the sign-in's callback) are ones a
// browser keeps on an https site (__Host-, Secure, Path=/, no Domain) and HSTS is sent; a proxy that
// does not say https is named once in the log. An http public origin (a developer's localhost) keeps
// the cookies and headers it had.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, CookieJar } from '../support/browser.ts';
import { startStack, type Stack } from '../support/stack.ts';

const PUBLIC = 'https://app.localhost';
const PROTOS = [['https', 'https'], ['missing', undefined], ['http', 'http'], ['http,https', 'http,https']] as const;

/** A request as the proxy forwards it: X-Forwarded-Proto as given (undefined: none at all). */
function forward(stack: Stack, path: string, { proto, cookie }: { proto?: string; cookie?: string } = {}) {
  const headers: Record<string, string> = { 'x-forwarded-host': new URL(PUBLIC).host };
  if (proto !== undefined) headers['x-forwarded-proto'] = proto;
  if (cookie) headers.cookie = cookie;
  return fetch(`${stack.appOrigin}${path}`, { headers, redirect: 'manual' });
}

/** What a browser refuses of a __Host- cookie (RFC 6265bis): not Secure, a Domain, a Path other than /. */
function keptByBrowser(line: string): boolean {
  if (!line.startsWith('__Host-')) return true;
  return /;\s*secure(;|$)/i.test(line) && /;\s*path=\/(;|$)/i.test(line) && !/;\s*domain=/i.test(line);
}

/** The app's cookies an answer sets (or clears): the pending one, the session id and its signature. */
const appCookies = (response: Response) => response.headers.getSetCookie().filter((c) => /^(__Host-)?b2c\./.test(c));
const names = (cookies: string[]) => cookies.map((c) => c.split('=')[0]);
/** A Set-Cookie line's attributes, without its value (a sealed value is long enough to spell anything). */
const attributes = (line: string) => line.slice(line.indexOf(';'));
const proxyWarnings = (stack: Stack) => stack.logs.filter((line) => line.includes('X-Forwarded-Proto'));

/**
 * The demo user's sign-in through the proxy: /signin, the emulator's pages (a browser of their own,
 * stopped at the way back to the app), then the callback with /signin's cookie, both forwarded with
 * `proto`. Returns both of the app's answers, the callback's checked to have signed the person in.
 */
async function signInThrough(stack: Stack, proto: string | undefined) {
  const signin = await forward(stack, '/signin', { proto });
  expect(signin.status).toBe(302);
  const emulatorPage = new Browser({ stopAt: (url) => url.pathname === '/redirect' });
  await emulatorPage.get(signin.headers.get('location')!);
  await emulatorPage.submit('#next', { signInName: stack.emulator.demoUser.email, password: stack.emulator.demoUser.password });
  expect(emulatorPage.page.stopped).toBe(true);
  const back = new URL(emulatorPage.url);
  const cookie = signin.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const callback = await forward(stack, `${back.pathname}${back.search}`, { proto, cookie });
  expect([callback.status, callback.headers.get('location')]).toEqual([302, '/']);
  return { signin, callback };
}

/** The callback's answer: the session's cookies set, then the pending one cleared. */
function expectSignedInCookies(callback: Response, prefix: '' | '__Host-') {
  const cookies = appCookies(callback);
  expect(names(cookies)).toEqual([`${prefix}b2c.sid`, `${prefix}b2c.sid.sig`, `${prefix}b2c.pending`]);
  expect(cookies[2]).toMatch(/;\s*expires=Thu, 01 Jan 1970/i);
  return cookies;
}

describe('an https public origin behind a trusted proxy', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ TRUST_PROXY: 'true', APP_REDIRECT_URI: `${PUBLIC}/redirect` }, undefined, { redirectUris: [`${PUBLIC}/redirect`] });
  });
  afterAll(() => stack.close());

  /** What a browser requires of a __Host- cookie, and HSTS. */
  function expectHostCookies(response: Response, cookies: string[]) {
    expect(cookies.length).toBeGreaterThan(0);
    for (const cookie of cookies) {
      expect(cookie).toMatch(/^__Host-/);
      expect(cookie).toMatch(/;\s*secure(;|$)/i);
      expect(cookie).toMatch(/;\s*path=\/(;|$)/i);
      expect(cookie).not.toMatch(/domain=/i);
      expect(keptByBrowser(cookie)).toBe(true);
    }
    expect(response.headers.get('strict-transport-security')).toMatch(/^max-age=\d+/);
  }

  it.each(PROTOS)('X-Forwarded-Proto %s: /signin sets a __Host- cookie that is Secure, for Path=/, without Domain, and sends HSTS', async (_, proto) => {
    const response = await forward(stack, '/signin', { proto });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toContain(stack.emulator.origin);
    // A visitor's session is its pending cookie: no session id before sign-in completes.
    const cookies = appCookies(response);
    expect(names(cookies)).toEqual(['__Host-b2c.pending']);
    expectHostCookies(response, cookies);
  });

  it.each(PROTOS)('X-Forwarded-Proto %s: the sign-in\'s callback sets the __Host- session cookies, Secure, for Path=/, without Domain, and clears the pending one alike', async (_, proto) => {
    const { callback } = await signInThrough(stack, proto);
    // The clearing too: a browser ignores a __Host- Set-Cookie without Secure, and would keep the pending cookie.
    expectHostCookies(callback, expectSignedInCookies(callback, '__Host-'));
  });

  it('a whole sign-in works when the proxy sends no X-Forwarded-Proto at all', async () => {
    // The browser's cookies for the public site, kept only as a browser would keep them.
    const jar = new CookieJar();
    const keep = (path: string, response: Response) => jar.store(new URL(path, PUBLIC), response.headers.getSetCookie().filter(keptByBrowser));
    const cookieFor = (url: string, crossSite = false) => jar.header(new URL(url, PUBLIC), { crossSite, method: 'GET' });

    const signin = await forward(stack, '/signin');
    keep('/signin', signin);
    const emulatorPage = new Browser({ stopAt: (url) => url.origin === PUBLIC });
    await emulatorPage.get(signin.headers.get('location')!);
    await emulatorPage.submit('#next', { signInName: stack.emulator.demoUser.email, password: stack.emulator.demoUser.password });
    expect(emulatorPage.page.stopped).toBe(true);
    const callback = new URL(emulatorPage.url);
    expect(callback.pathname).toBe('/redirect');

    // B2C sends the browser back: a cross-site top-level GET, which carries SameSite=Lax cookies.
    const redirect = await forward(stack, `${callback.pathname}${callback.search}`, { cookie: cookieFor(callback.href, true) });
    expect(redirect.status, stack.logs.filter((l) => !l.includes('"info"')).join('\n')).toBe(302);
    expect(redirect.headers.get('location')).toBe('/');
    keep('/redirect', redirect);
    const home = await forward(stack, '/', { cookie: cookieFor('/') });
    expect(await home.text()).toContain(`Hi ${stack.emulator.demoUser.givenName}`);
  });
});

describe('a proxy that does not say https', () => {
  it('is named once in the log, as a warning, however many requests come; probes and https requests are not', async () => {
    const stack = await startStack({ TRUST_PROXY: 'true', APP_REDIRECT_URI: `${PUBLIC}/redirect` });
    try {
      // Load balancers often probe the app directly, without the proxy's headers.
      expect((await forward(stack, '/healthz')).status).toBe(200);
      expect((await forward(stack, '/readyz')).status).toBe(200);
      expect((await forward(stack, '/', { proto: 'https' })).status).toBe(200);
      expect(proxyWarnings(stack)).toEqual([]);

      const hostile = `http,${'x'.repeat(5_000)}`;
      for (const proto of [hostile, undefined, 'http', 'http,https', 'HTTPS', undefined]) {
        expect((await forward(stack, '/', { proto })).status).toBe(200);
      }
      const warnings = proxyWarnings(stack).map((line) => JSON.parse(line));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatchObject({ level: 'warn', header: 'X-Forwarded-Proto', expected: 'https' });
      expect(warnings[0].received.length).toBeLessThan(80); // capped, not 5,000 characters
      expect(stack.logs.join('\n')).not.toContain('x'.repeat(100));
    } finally {
      await stack.close();
    }
  });

  it('is not warned about when no proxy is trusted: the cookie is Secure all the same', async () => {
    const stack = await startStack({ APP_REDIRECT_URI: `${PUBLIC}/redirect` }, undefined, { redirectUris: [`${PUBLIC}/redirect`] });
    try {
      const { signin, callback } = await signInThrough(stack, undefined);
      expect(names(appCookies(signin))).toEqual(['__Host-b2c.pending']);
      const session = expectSignedInCookies(callback, '__Host-');
      for (const [response, cookies] of [[signin, appCookies(signin)], [callback, session]] as const) {
        for (const cookie of cookies) {
          expect(keptByBrowser(cookie)).toBe(true);
          expect(cookie).toMatch(/;\s*secure(;|$)/i);
        }
        expect(response.headers.get('strict-transport-security')).toMatch(/^max-age=/);
      }
      expect(proxyWarnings(stack)).toEqual([]);
    } finally {
      await stack.close();
    }
  });
});

describe('an http public origin (a developer on localhost)', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ TRUST_PROXY: 'true' });
  });
  afterAll(() => stack.close());

  it('keeps today\'s cookie: b2c.sid, not Secure, no HSTS, nothing logged about the proxy, when the proxy does not say https', async () => {
    for (const proto of [undefined, 'http', 'http,https']) {
      const { signin, callback } = await signInThrough(stack, proto);
      expect(names(appCookies(signin))).toEqual(['b2c.pending']);
      const session = expectSignedInCookies(callback, '');
      for (const cookie of [...appCookies(signin), ...session]) expect(attributes(cookie)).not.toMatch(/secure/i);
      for (const response of [signin, callback]) expect(response.headers.get('strict-transport-security')).toBeNull();
    }
    expect(proxyWarnings(stack)).toEqual([]);
  });

  it('and, as before, Secure and HSTS when the trusted proxy says https', async () => {
    const { signin, callback } = await signInThrough(stack, 'https');
    expect(appCookies(signin)).toEqual([expect.stringMatching(/^b2c\.pending=.*;\s*secure/i)]);
    for (const cookie of expectSignedInCookies(callback, '')) expect(cookie).toMatch(/;\s*secure(;|$)/i);
    for (const response of [signin, callback]) expect(response.headers.get('strict-transport-security')).toMatch(/^max-age=/);
  });
});
