// The headers that keep a page from leaking its URL (Referer), running injected script, being framed
// or sniffed, on every kind of answer a browser can get: the home page signed out and in, redirects,
// the problem page, an error page rendered in place, 404, 414, the 503 of a session store that is
// down, the developers' /_flow, and /api's answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser } from '../support/browser.ts';
import { skipRedis, startRedis } from '../support/redis.ts';
import { startStack, type Stack } from '../support/stack.ts';

/** The Content-Security-Policy as directive -> value. */
function directives(csp: string | null): Record<string, string> {
  expect(csp).toBeTruthy();
  return Object.fromEntries(csp!.split(';').map((d) => d.trim()).filter(Boolean).map((d) => {
    const [name, ...values] = d.split(/\s+/);
    return [name!, values.join(' ')];
  }));
}

/** What every answer must carry; `inlineStyle` only on /_flow (Mermaid's SVG). */
function expectProtected(response: Response, label: string, { inlineStyle = false } = {}) {
  expect(response.headers.get('referrer-policy'), label).toBe('no-referrer');
  expect(response.headers.get('x-frame-options'), label).toBe('DENY');
  expect(response.headers.get('x-content-type-options'), label).toBe('nosniff');
  expect(directives(response.headers.get('content-security-policy')), label).toMatchObject({
    'default-src': "'self'",
    'script-src': "'self'",
    'style-src': inlineStyle ? "'self' 'unsafe-inline'" : "'self'",
    'object-src': "'none'",
    'base-uri': "'none'",
    'frame-ancestors': "'none'",
  });
}

const cookieOf = (browser: Browser, origin: string) => browser.jar.header(new URL(origin), { crossSite: false, method: 'GET' });

function get(origin: string, path: string, cookie = '') {
  return fetch(`${origin}${path}`, { headers: cookie ? { cookie } : {}, redirect: 'manual' });
}

describe('with the emulator up and /_flow on', () => {
  let stack: Stack;
  let signedIn: Browser;
  beforeAll(async () => {
    stack = await startStack({ FLOW_VIEW: 'on', IDP_TIMEOUT_MS: '2000' });
    signedIn = new Browser();
    await signedIn.get(`${stack.appOrigin}/signin`);
    await signedIn.submit('#next', { signInName: stack.emulator.demoUser.email, password: stack.emulator.demoUser.password });
    expect(signedIn.text()).toContain(`Hi ${stack.emulator.demoUser.givenName}`);
  });
  afterAll(() => stack.close());

  it('every kind of page, signed out and signed in, carries them', async () => {
    const cookie = cookieOf(signedIn, stack.appOrigin);
    const refused = await get(stack.appOrigin, '/redirect?code=a&state=b');
    const problem = refused.headers.get('location')!;
    const cases: [string, string, string, number, RegExp | null][] = [
      ['home, signed out', '/', '', 200, /id="SignIn"/],
      ['home, signed in', '/', cookie, 200, new RegExp(`Hi ${stack.emulator.demoUser.givenName}`)],
      ['sign-in redirect', '/signin', '', 302, null],
      ['refused callback', '/redirect?code=a&state=b', '', 303, null],
      ['problem page', problem, '', 400, /This sign-in response is not expected/],
      ['404', '/nowhere', cookie, 404, /Page not found/],
      ['414', `/?${'a'.repeat(8 * 1024 + 1)}`, cookie, 414, /This address is too long/],
      ['/_flow', '/_flow', cookie, 200, /signedIn/],
      ['/api', '/api', cookie, 200, /id="apiResponse"/],
    ];
    for (const [label, path, withCookie, status, body] of cases) {
      const response = await get(stack.appOrigin, path, withCookie);
      expect(response.status, label).toBe(status);
      if (body) expect(await response.text(), label).toMatch(body);
      expectProtected(response, label, { inlineStyle: label === '/_flow' });
    }
  });
});

describe('pages of failures rendered in place', () => {
  it('the identity provider unreachable: the 503 page at /signin', async () => {
    const stack = await startStack({ IDP_TIMEOUT_MS: '1000' });
    try {
      await stack.emulator.close();
      const response = await get(stack.appOrigin, '/signin');
      expect(response.status).toBe(503);
      expect(await response.text()).toContain('The sign-in service is not answering');
      expectProtected(response, '503 identity provider');
    } finally {
      await stack.close();
    }
  });

  it.skipIf(skipRedis)('the session store down: the 503 page (a real redis-server, stopped)', async () => {
    const redis = await startRedis();
    const stack = await startStack({ SESSION_STORE: redis.url, IDP_TIMEOUT_MS: '1000' });
    try {
      // Signed in: a session, held in Redis (a visitor's is in its own cookie, and needs no store).
      const browser = new Browser();
      await browser.get(`${stack.appOrigin}/signin`);
      await browser.submit('#next', { signInName: stack.emulator.demoUser.email, password: stack.emulator.demoUser.password });
      expect(browser.text()).toContain(`Hi ${stack.emulator.demoUser.givenName}`);
      await redis.stop();
      const response = await get(stack.appOrigin, '/', cookieOf(browser, stack.appOrigin));
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('5');
      expect(await response.text()).toContain('We cannot reach your session just now');
      expectProtected(response, '503 session store');
    } finally {
      await stack.close();
      await redis.close();
    }
  });
});
