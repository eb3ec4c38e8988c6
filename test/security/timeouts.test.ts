// Sessions and sign-ins do not live forever (RFC 9700): an idle or too old session lands signed out
// with a message, and a sign-in answered too late is refused. The app's clock is moved forward
// (nothing else could make thirty minutes pass in a test); everything else is real.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/session/store.ts';
import { Browser } from '../support/browser.ts';
import { startStack, type Stack } from '../support/stack.ts';

const MINUTE = 60_000;
let stack: Stack;
let skipped = 0;
const now = () => Date.now() + skipped;

/** The memory store, counting the sessions written (a Redis SET each, in production). */
class CountingStore extends MemoryStore {
  writes = 0;
  override set(...args: Parameters<MemoryStore['set']>) {
    this.writes += 1;
    return super.set(...args);
  }
}
const store = new CountingStore(now);

beforeAll(async () => {
  stack = await startStack(
    { SESSION_IDLE_TIMEOUT_MS: String(30 * MINUTE), SESSION_ABSOLUTE_TIMEOUT_MS: String(60 * MINUTE), TRANSACTION_TTL_MS: String(10 * MINUTE),
      // As in production: the development-only flow view keeps every event in the session, a write per request.
      FLOW_VIEW: 'off' },
    () => ({ now, store }),
  );
});
afterAll(() => stack.close());

async function signedIn() {
  const browser = new Browser();
  await browser.get(`${stack.appOrigin}/signin`);
  await browser.submit('#next', { signInName: stack.emulator.demoUser.email, password: stack.emulator.demoUser.password });
  expect(browser.text()).toContain(`Hi ${stack.emulator.demoUser.givenName}`);
  return browser;
}

const expired = 'Your session has expired. Please sign in again.';

describe('session timeouts', () => {
  it('idle: after 30 minutes without a request, signed out with a message, once', async () => {
    const browser = await signedIn();
    skipped += 29 * MINUTE;
    await browser.get(stack.appOrigin);
    expect(browser.text()).toContain(`Hi ${stack.emulator.demoUser.givenName}`); // each request renews the idle time
    skipped += 31 * MINUTE;
    await browser.get(stack.appOrigin);
    expect(browser.$('#SignIn').length).toBe(1);
    expect(browser.$('#message').text()).toBe(expired);
    await browser.get(stack.appOrigin);
    expect(browser.text()).not.toContain(expired);
  });

  it('idle: page views renew the session at most once a minute, so it ends 29 to 30 minutes after the last one', async () => {
    const browser = await signedIn(); // the session was written when the sign-in completed
    const writes = store.writes;
    for (let i = 0; i < 5; i += 1) {
      skipped += 10_000;
      await browser.get(stack.appOrigin);
      expect(browser.text()).toContain(`Hi ${stack.emulator.demoUser.givenName}`);
      expect(browser.page.headers.getSetCookie()).toEqual([]); // nothing written, nothing re-sent
    }
    expect(store.writes).toBe(writes);
    skipped += 10_000; // a minute since it was written: this view renews it
    await browser.get(stack.appOrigin);
    expect(browser.page.headers.getSetCookie().some((c) => c.startsWith('b2c.sid='))).toBe(true);
    expect(store.writes).toBe(writes + 1);

    skipped += 30_000; // not a renewal: the idle time still counts from the view before
    await browser.get(stack.appOrigin);
    expect(store.writes).toBe(writes + 1);
    // Past 30 minutes (and the 10 s koa-session adds for its store) since the renewal, 29.8 since the last view.
    skipped += 30 * MINUTE - 30_000 + 20_000;
    await browser.get(stack.appOrigin);
    expect(browser.$('#SignIn').length).toBe(1);
    expect(browser.$('#message').text()).toBe(expired);
  });

  it('absolute: after 60 minutes, signed out even when busy all along', async () => {
    const browser = await signedIn();
    for (let i = 0; i < 3; i += 1) {
      skipped += 19 * MINUTE;
      await browser.get(stack.appOrigin);
      expect(browser.text()).toContain(`Hi ${stack.emulator.demoUser.givenName}`);
    }
    skipped += 4 * MINUTE; // 61 minutes since sign-in began, 4 since the last request
    await browser.get(stack.appOrigin);
    expect(browser.$('#SignIn').length).toBe(1);
    expect(browser.$('#message').text()).toBe(expired);
  });

  it('a forged cookie is simply a session that is not there', async () => {
    const response = await fetch(stack.appOrigin, { headers: { cookie: 'b2c.sid=made-up; b2c.sid.sig=made-up' } });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('id="SignIn"');
  });
});

describe('sign-in transactions', () => {
  it('a callback more than 10 minutes after the sign-in started is refused', async () => {
    const browser = new Browser();
    await browser.get(`${stack.appOrigin}/signin`);
    skipped += 11 * MINUTE;
    await browser.submit('#next', { signInName: stack.emulator.demoUser.email, password: stack.emulator.demoUser.password });
    expect(browser.status).toBe(400);
    expect(browser.$('#problem h2').text()).toBe('This sign-in took too long');
    await browser.get(stack.appOrigin);
    expect(browser.$('#SignIn').length).toBe(1);
  });

  it('a password reset renews the session id, as a sign-in does', async () => {
    const browser = await signedIn();
    const before = browser.jar.matching(new URL(stack.appOrigin)).find((c) => c.name === 'b2c.sid')?.value;
    await browser.click('#PasswordReset');
    const { email, password } = stack.emulator.demoUser;
    await browser.submit('#continue', { email, newPassword: password, reenterPassword: password });
    expect(browser.text()).toContain(`Hi ${stack.emulator.demoUser.givenName}`);
    const after = browser.jar.matching(new URL(stack.appOrigin)).find((c) => c.name === 'b2c.sid')?.value;
    expect(after).toBeTruthy();
    expect(after).not.toBe(before);
  });
});
