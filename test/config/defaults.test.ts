// The defaults SECURITY.md and the README promise, read from the configuration with nothing set, and
// met where it is cheap to meet them: a session idle for 30 minutes ends, one 8 hours old ends however
// busy, a sign-in answered after 10 minutes is refused, and the cookie says 30 minutes. The app's
// clock is moved (tests/security/timeouts.test.ts does the same with the values set explicitly).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { MemoryStore } from '../../src/session/store.ts';
import { Browser } from '../support/browser.ts';
import { startStack, type Stack } from '../support/stack.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

it('with nothing set: 30 min idle, 8 h absolute, 10 min per sign-in, 10 s for the identity provider', () => {
  expect(loadConfig({})).toMatchObject({ sessionIdleMs: 30 * MINUTE, sessionAbsoluteMs: 8 * HOUR, transactionTtlMs: 10 * MINUTE, idpTimeoutMs: 10 * SECOND });
});

describe('met by the app with none of them set', () => {
  let stack: Stack;
  let skipped = 0;
  const now = () => Date.now() + skipped;
  beforeAll(async () => {
    stack = await startStack({}, () => ({ now, store: new MemoryStore(now) }));
    // startStack sets none of these: what follows runs on the defaults.
    expect(stack.config).toMatchObject({ sessionIdleMs: 30 * MINUTE, sessionAbsoluteMs: 8 * HOUR, transactionTtlMs: 10 * MINUTE, idpTimeoutMs: 10 * SECOND });
  });
  afterAll(() => stack.close());

  const expired = 'Your session has expired. Please sign in again.';
  const greets = (browser: Browser) => browser.text().includes(`Hi ${stack.emulator.demoUser.givenName}`);

  async function signedIn() {
    const browser = new Browser();
    await browser.get(`${stack.appOrigin}/signin`);
    await browser.submit('#next', { signInName: stack.emulator.demoUser.email, password: stack.emulator.demoUser.password });
    expect(greets(browser)).toBe(true);
    return browser;
  }

  it('the session cookie expires 30 minutes after it is set', async () => {
    /** How long after the answer's Date the named cookie it sets expires. */
    const lifetime = (response: Response, name: string) => {
      const cookie = response.headers.getSetCookie().find((c) => c.startsWith(`${name}=`))!;
      return Date.parse(/expires=([^;]+)/i.exec(cookie)![1]!) - Date.parse(response.headers.get('date')!);
    };
    // Both to the second, taken a moment apart: 1800 s, or 1801 if a second turned in between.
    const thirtyMinutes = [30 * MINUTE, 30 * MINUTE + SECOND];

    // A visitor's pending cookie, from /signin, lives as long as an idle session.
    const signin = await fetch(`${stack.appOrigin}/signin`, { redirect: 'manual' });
    expect(thirtyMinutes).toContain(lifetime(signin, 'b2c.pending'));

    // The session cookie is set at sign-in, by the callback's answer.
    const browser = new Browser({ stopAt: (url) => url.pathname === '/redirect' });
    browser.jar.store(new URL(`${stack.appOrigin}/signin`), signin.headers.getSetCookie());
    await browser.get(signin.headers.get('location')!);
    await browser.submit('#next', { signInName: stack.emulator.demoUser.email, password: stack.emulator.demoUser.password });
    expect(browser.page.stopped).toBe(true);
    const callback = await fetch(browser.url, { headers: { cookie: browser.jar.header(new URL(stack.appOrigin), { crossSite: true, method: 'GET' }) }, redirect: 'manual' });
    expect(callback.headers.get('location')).toBe('/');
    expect(thirtyMinutes).toContain(lifetime(callback, 'b2c.sid'));
  });

  it('idle: still signed in after 29 minutes, signed out with a message 31 minutes later', async () => {
    const browser = await signedIn();
    skipped += 29 * MINUTE;
    await browser.get(stack.appOrigin);
    expect(greets(browser)).toBe(true);
    skipped += 31 * MINUTE;
    await browser.get(stack.appOrigin);
    expect(browser.$('#SignIn').length).toBe(1);
    expect(browser.$('#message').text()).toBe(expired);
  });

  it('absolute: busy every 29 minutes, still signed in at 7 h 44 min, signed out at 8 h 1 min', async () => {
    const browser = await signedIn();
    for (let i = 0; i < 16; i += 1) {
      skipped += 29 * MINUTE;
      await browser.get(stack.appOrigin);
      expect(greets(browser), `after ${(i + 1) * 29} minutes`).toBe(true);
    }
    skipped += 17 * MINUTE;
    await browser.get(stack.appOrigin);
    expect(browser.$('#SignIn').length).toBe(1);
    expect(browser.$('#message').text()).toBe(expired);
  });

  it('a sign-in answered 9 min 59 s after it began completes; one answered after 10 min 1 s is refused', async () => {
    const inTime = new Browser();
    await inTime.get(`${stack.appOrigin}/signin`);
    skipped += 10 * MINUTE - SECOND;
    await inTime.submit('#next', { signInName: stack.emulator.demoUser.email, password: stack.emulator.demoUser.password });
    expect(greets(inTime)).toBe(true);

    const late = new Browser();
    await late.get(`${stack.appOrigin}/signin`);
    skipped += 10 * MINUTE + SECOND;
    await late.submit('#next', { signInName: stack.emulator.demoUser.email, password: stack.emulator.demoUser.password });
    expect(late.status).toBe(400);
    expect(late.$('#problem h2').text()).toBe('This sign-in took too long');
  });
});
