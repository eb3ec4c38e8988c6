// The caches of docs/PERFORMANCE.md ("a page view of an unchanged session restores and steps
// nothing"), seen from outside, in the production configuration (the test stack's default): the
// memory store hands every read of an unchanged session the same frozen object, and the bridge
// neither writes it, nor sends a cookie, nor restores or steps the statechart again. A change that
// silently disabled any of them fails here, not only in a benchmark.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { StateMachine } from 'xstate';
import { MemoryStore } from '../../src/session/store.ts';
import { Browser } from '../support/browser.ts';
import { startStack, type Stack } from '../support/stack.ts';

/** The app's memory store, counting what the app asks of it. */
class CountingStore extends MemoryStore {
  reads: unknown[] = [];
  writes: string[] = [];
  override async get(...args: Parameters<MemoryStore['get']>) {
    const session = await super.get(...args);
    this.reads.push(session);
    return session;
  }
  override async set(...args: Parameters<MemoryStore['set']>) {
    this.writes.push('set');
    return super.set(...args);
  }
  override async destroy(...args: Parameters<MemoryStore['destroy']>) {
    this.writes.push('destroy');
    return super.destroy(...args);
  }
  override async claim(...args: Parameters<MemoryStore['claim']>) {
    this.writes.push('claim');
    return super.claim(...args);
  }
  override async retire(...args: Parameters<MemoryStore['retire']>) {
    this.writes.push('retire');
    return super.retire(...args);
  }
}

let stack: Stack;
let frozenAt: number | undefined;
// Held still while pages are viewed, so that no renewal of the idle time (at most once a minute)
// falls between them however slow the machine is.
const now = () => frozenAt ?? Date.now();
const store = new CountingStore(now);
// xstate binds these methods to each machine as it makes it (StateMachine's constructor), so they
// are watched on the prototype before the app makes its machine: every call of the app's
// statechart then goes through these spies, which call xstate's own methods.
const restores = vi.spyOn(StateMachine.prototype, 'restoreSnapshot');
const steps = vi.spyOn(StateMachine.prototype, 'transition');
const persists = vi.spyOn(StateMachine.prototype, 'getPersistedSnapshot');
beforeAll(async () => {
  stack = await startStack({}, () => ({ store, now }));
});
afterEach(() => {
  frozenAt = undefined;
});
afterAll(async () => {
  vi.restoreAllMocks();
  await stack.close();
});

async function signInAsDemo() {
  const browser = new Browser();
  await browser.get(`${stack.appOrigin}/signin`);
  await browser.submit('#next', { signInName: stack.emulator.demoUser.email, password: stack.emulator.demoUser.password });
  expect(browser.text()).toContain(`Hi ${stack.emulator.demoUser.givenName}`);
  return browser;
}

/** One view of the home page, with what it cost: store reads and writes, Set-Cookie headers, and
 *  the statechart's restores, steps and persists (xstate's own methods, on every machine). */
async function view(browser: Browser) {
  store.reads = [];
  store.writes = [];
  for (const spy of [restores, steps, persists]) spy.mockClear();
  await browser.get(stack.appOrigin);
  const seen = {
    status: browser.status,
    greeting: browser.$('nav p').text(),
    notice: browser.$('#message').text() || null,
    setCookie: browser.page.headers.getSetCookie(),
    reads: [...store.reads],
    writes: [...store.writes],
    restores: restores.mock.calls.length,
    steps: steps.mock.calls.length,
    persists: persists.mock.calls.length,
  };
  return seen;
}

const hi = () => `Hi ${stack.emulator.demoUser.givenName}`;

describe('a page view of an unchanged signed-in session (the memory store, /_flow off)', () => {
  it('writes nothing, sends no cookie, and restores and steps nothing: the same frozen session each time', async () => {
    const browser = await signInAsDemo(); // the sign-in's own redirect home read the new session once
    frozenAt = Date.now();
    const views = [await view(browser), await view(browser), await view(browser)];
    for (const [i, seen] of views.entries()) {
      const what = `view ${i + 1}`;
      expect(seen.status, what).toBe(200);
      expect(seen.greeting, what).toBe(hi());
      expect(seen.writes, `${what}: store writes`).toEqual([]);
      expect(seen.setCookie, `${what}: Set-Cookie`).toEqual([]);
      expect(seen.reads.length, `${what}: store reads`).toBeGreaterThan(0);
      expect(seen.reads.every((session) => session === views[0]!.reads[0]), `${what}: the store handed out the same object`).toBe(true);
      expect(Object.isFrozen(seen.reads[0]), `${what}: frozen`).toBe(true);
      expect(seen.restores, `${what}: snapshots restored (kept with the frozen session)`).toBe(0);
      expect(seen.steps, `${what}: machine steps (kept with the restored snapshot)`).toBe(0);
      expect(seen.persists, `${what}: snapshots persisted`).toBe(0);
    }
  });

  it('each stored version is restored and stepped once: after a write, one view does the work, the next none', async () => {
    const browser = await signInAsDemo();
    await browser.click('#EditProfile');
    await browser.submit('#cancel'); // home with the notice: that view clears it, a new version
    expect(browser.text()).toContain('User has cancelled the operation');
    frozenAt = Date.now();
    const first = await view(browser);
    const second = await view(browser);
    // The spies see the app's statechart: the first view of the new version restores it and steps.
    expect(first).toMatchObject({ status: 200, greeting: hi(), notice: null, writes: [], setCookie: [], restores: 1, steps: 1, persists: 0 });
    expect(second).toMatchObject({ status: 200, greeting: hi(), notice: null, writes: [], setCookie: [], restores: 0, steps: 0, persists: 0 });
    expect(second.reads[0], 'the same frozen session').toBe(first.reads[0]);
  });

  it('a renewal of the idle time is a write like any other: the view after it restores the new version once', async () => {
    const browser = await signInAsDemo();
    frozenAt = Date.now() + 61_000; // past the once-a-minute renewal
    const renewing = await view(browser);
    expect(renewing).toMatchObject({ status: 200, greeting: hi(), writes: ['set'], restores: 0, steps: 0 });
    expect(renewing.setCookie.some((cookie) => cookie.startsWith('b2c.sid=')), 'the renewed cookie').toBe(true);
    const after = await view(browser);
    expect(after).toMatchObject({ status: 200, greeting: hi(), writes: [], setCookie: [], restores: 1, steps: 1, persists: 0 });
    expect(after.reads[0]).not.toBe(renewing.reads[0]);
  });
});
