// Before sign-in completes, a visitor costs the server nothing: its session (the open transaction,
// a notice) is sealed in its own `b2c.pending` cookie, and the store stays empty, whatever an
// attacker sends. What made the server-side transaction single-use still holds: a copy of the
// cookie and the callback, replayed after the sign-in, is refused, from any browser. With either
// provider: the transaction is the app's own, whatever pages lie between /signin and the callback.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { PendingCookie } from '../../src/http/pending-cookie.ts';
import { createLogger } from '../../src/log.ts';
import { MemoryStore } from '../../src/session/store.ts';
import { Browser } from '../support/browser.ts';
import { signIn } from '../support/idp-pages.ts';
import { startStack, type Mode, type Stack } from '../support/stack.ts';

const MODES: Mode[] = ['b2c', 'external-id'];
/** The stack of the block running (the blocks run one after the other), and its store. */
let stack: Stack;
let store: MemoryStore;
let skipped = 0; // how far the app's clock is ahead

const cookieOf = (browser: Browser) => browser.jar.header(new URL(stack.appOrigin), { crossSite: false, method: 'GET' });
const setCookies = (response: Response) => response.headers.getSetCookie();
const names = (response: Response) => setCookies(response).map((c) => c.split('=')[0]!);

/** A browser stopped at the app's callback, the demo user signed in at the emulator. */
async function atCallback(): Promise<{ browser: Browser; callback: string; cookie: string }> {
  const browser = new Browser({ stopAt: (url) => url.pathname === '/redirect' });
  await browser.get(`${stack.appOrigin}/signin`);
  await signIn(browser, stack.config.provider, stack.emulator.demoUser);
  expect(browser.page.stopped).toBe(true);
  return { browser, callback: browser.url, cookie: cookieOf(browser) };
}

describe.each(MODES)('with %s', (mode) => {
  beforeAll(async () => {
    store = new MemoryStore(() => Date.now() + skipped);
    stack = await startStack({}, () => ({ store, now: () => Date.now() + skipped }), { mode });
  });
  afterAll(() => stack.close());

  describe('a visitor holds no server state', () => {
    it('/signin, /password and /profile signed out, forged callbacks and a cancelled sign-up leave the store empty', async () => {
      expect(store.size).toBe(0);
      for (const path of ['/signin', '/password', '/profile', '/redirect?state=forged&code=forged', '/redirect?code=x', '/']) {
        const response = await fetch(`${stack.appOrigin}${path}`, { redirect: 'manual' });
        expect(response.status, path).toBeLessThan(500);
        expect(names(response).filter((name) => name.startsWith('b2c.sid')), path).toEqual([]);
      }
      const browser = new Browser();
      await browser.get(`${stack.appOrigin}/signin`);
      await browser.click('#createAccount');
      if (mode === 'b2c') {
        await browser.submit('#cancel');
        expect(browser.text('#message')).toBe('User has cancelled the operation');
      } else {
        await browser.get(stack.appOrigin); // External ID has no cancel: the person comes back instead
        expect(browser.$('#SignIn').length).toBe(1);
      }
      expect(store.size).toBe(0);
    });

    it('/signin sets one cookie: sealed (no state, nonce or verifier readable), HttpOnly, SameSite=Lax, Path=/, under 1 KB', async () => {
      const response = await fetch(`${stack.appOrigin}/signin`, { redirect: 'manual' });
      expect(names(response)).toEqual(['b2c.pending']);
      const [line] = setCookies(response);
      expect(line).toMatch(/;\s*httponly/i);
      expect(line).toMatch(/;\s*samesite=lax/i);
      expect(line).toMatch(/;\s*path=\/(;|$)/i);
      expect(line!.length).toBeLessThan(1024);
      const authorize = new URL(response.headers.get('location')!);
      for (const param of ['state', 'nonce', 'code_challenge']) expect(line).not.toContain(authorize.searchParams.get(param)!);
      expect(Buffer.from(line!.split(';')[0]!.split('.').join(''), 'base64url').toString('latin1')).not.toContain('signUpSignIn');
    });

    it('a pending cookie altered by one character, or sealed under another secret, is no session: the callback is not expected', async () => {
      const { callback, cookie } = await atCallback();
      const value = cookie.match(/b2c\.pending=([^;]+)/)![1]!;
      const altered = value.slice(0, 40) + (value[40] === 'A' ? 'B' : 'A') + value.slice(41);
      const elsewhere = new PendingCookie('b2c.pending', ['another-secret-another-secret-another'], stack.config.sessionIdleMs, Date.now, false);
      const genuine = new PendingCookie('b2c.pending', [stack.config.sessionSecret], stack.config.sessionIdleMs, Date.now, false).open(value)!;
      let resealed = '';
      elsewhere.write({ cookies: { set: (_: string, v: string) => void (resealed = v) } } as never, genuine.machine, genuine.ref);
      for (const forged of [altered, resealed]) {
        const response = await fetch(callback, { headers: { cookie: `b2c.pending=${forged}` }, redirect: 'manual' });
        expect(response.status).toBe(303);
        const problem = await fetch(new URL(response.headers.get('location')!, stack.appOrigin));
        expect(await problem.text()).toContain('This sign-in response is not expected');
      }
      expect(store.size).toBe(0);
    });
  });

  describe('the transaction in the cookie stays single-use and short-lived', () => {
    it('belongs to the browser that started it: its real callback opened in another browser, signed out or mid-sign-in, redeems nothing, and then completes in its own', async () => {
      const { browser, callback } = await atCallback();
      const redemptions = stack.emulator.tokenRequests.length;
      const midway = new Browser();
      await midway.get(`${stack.appOrigin}/signin`);
      for (const [other, title] of [[new Browser(), 'This sign-in response is not expected'], [midway, 'This sign-in response does not match']] as const) {
        await other.get(callback);
        expect([other.status, other.text('#problem h2')]).toEqual([400, title]);
        expect(other.jar.all().map((c) => c.name)).not.toContain('b2c.sid');
      }
      expect(stack.emulator.tokenRequests.length).toBe(redemptions);
      await browser.follow();
      expect(browser.text('nav')).toContain(`Hi ${stack.emulator.demoUser.givenName}`);
    });

    it('a copy of the cookie and the callback, replayed after the sign-in from another browser, signs nobody in and reaches no token endpoint', async () => {
      const { callback, cookie } = await atCallback();
      const first = await fetch(callback, { headers: { cookie }, redirect: 'manual' });
      expect(first.headers.get('location')).toBe('/');
      expect(names(first)).toEqual(['b2c.sid', 'b2c.sid.sig', 'b2c.pending']);
      const redemptions = stack.emulator.tokenRequests.length;
      const copy = await fetch(callback, { headers: { cookie }, redirect: 'manual' });
      expect(copy.headers.get('location')).toBe('/');
      expect(names(copy)).toEqual([]);
      expect(stack.emulator.tokenRequests.length).toBe(redemptions);
    });

    it('a sign-in whose code the provider refused can be retried from the same page, and leaves no mark behind', async () => {
      const { callback, cookie } = await atCallback();
      const state = new URL(callback).searchParams.get('state')!;
      const spoilt = new URL(callback);
      spoilt.searchParams.set('code', 'not-the-code');
      const refused = await fetch(spoilt, { headers: { cookie }, redirect: 'manual' });
      expect(refused.status).toBe(303);
      expect(await store.spendTransaction(state, Date.now() + 60_000)).toBe(true); // nothing was left marked
      await store.unspendTransaction(state);
      const retried = await fetch(callback, { headers: { cookie }, redirect: 'manual' });
      expect(names(retried)).toEqual(['b2c.sid', 'b2c.sid.sig', 'b2c.pending']);
    });

    it('is refused as taking too long once TRANSACTION_TTL_MS has passed, though the cookie still opens', async () => {
      const { callback, cookie } = await atCallback();
      skipped = stack.config.transactionTtlMs + 1_000;
      try {
        const response = await fetch(callback, { headers: { cookie }, redirect: 'manual' });
        const problem = await fetch(new URL(response.headers.get('location')!, stack.appOrigin));
        expect(await problem.text()).toContain('This sign-in took too long');
      } finally {
        skipped = 0;
      }
    });

    it('completes on another instance that shares only the session secret (no shared store for the pending part)', async () => {
      const { callback, cookie } = await atCallback();
      const other = createApp(stack.config, { store: new MemoryStore(), log: createLogger('silent') });
      const server = createServer(other.app.callback());
      await new Promise<void>((resolve) => server.listen(0, 'localhost', resolve));
      try {
        const origin = `http://localhost:${(server.address() as AddressInfo).port}`;
        const there = new URL(callback);
        const answer = await fetch(`${origin}${there.pathname}${there.search}`, { headers: { cookie }, redirect: 'manual' });
        expect(answer.headers.get('location')).toBe('/');
        const sid = setCookies(answer).map((c) => c.split(';')[0]!).filter((c) => c.startsWith('b2c.sid')).join('; ');
        expect(await (await fetch(origin, { headers: { cookie: sid } })).text()).toContain(`Hi ${stack.emulator.demoUser.givenName}`);
      } finally {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
        await other.close();
      }
    });
  });
});
