// One browser's requests at the same time, with B2C's token endpoint as slow as across the internet
// (the emulator's tokenEndpointDelayMs): sign-out always wins, a session ended never comes back,
// and a sign-in is never undone by its own duplicate. Each race is forced to overlap: the test
// waits until the emulator holds the redemption before it sends the other request. The races of a
// sign-in run with each provider (inEachMode); those of B2C's other user flows with B2C.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createIdentity } from '../../src/identity/index.ts';
import { MemoryTokenStore } from '../../src/session/token-store.ts';
import { Browser } from '../support/browser.ts';
import { signIn } from '../support/idp-pages.ts';
import { startStack, type Mode, type Stack } from '../support/stack.ts';

const MODES: Mode[] = ['b2c', 'external-id'];
const stacks = {} as Record<Mode, Stack>;
/** Each provider's app keeps its token caches here, to be looked into. */
const caches = {} as Record<Mode, MemoryTokenStore>;
/** B2C's stack, but for the blocks inEachMode runs with each provider's. */
let stack: Stack;
beforeAll(async () => {
  for (const mode of MODES) {
    stacks[mode] = await startStack({}, (config) => {
      caches[mode] = new MemoryTokenStore(config.sessionAbsoluteMs);
      return { identity: createIdentity(config, Date.now, caches[mode]) };
    }, { mode });
  }
  stack = stacks.b2c;
});
afterAll(() => Promise.all(MODES.map((mode) => stacks[mode].close())));
afterEach(() => stack.emulator.faults.reset());

/** Defines `tests` once per provider, `stack` being that provider's while they run (blocks run one
 *  after the other). */
function inEachMode(name: string, tests: () => void) {
  describe.each(MODES)(`${name}, with %s`, (mode) => {
    beforeAll(() => void (stack = stacks[mode]));
    afterAll(() => void (stack = stacks.b2c));
    tests();
  });
}

/** Polls `condition` (a state of the world, not a clock) until it holds, for at most 5 s. */
async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 500; i += 1) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`never happened: ${what}`);
}

const cookieOf = (browser: Browser) => browser.jar.header(new URL(stack.appOrigin), { crossSite: false, method: 'GET' });

/** A request with this browser's cookie as it is now; its Set-Cookie goes back into the browser's
 *  jar when (and in the order) its answer arrives, as a browser's would. */
async function send(browser: Browser, path: string, cookie = cookieOf(browser)): Promise<Response> {
  const url = new URL(path, stack.appOrigin);
  const response = await fetch(url, { headers: { cookie }, redirect: 'manual' });
  browser.jar.store(url, response.headers.getSetCookie());
  await response.arrayBuffer();
  return response;
}

async function greeting(browser: Browser): Promise<string> {
  await browser.get(`${stack.appOrigin}/`);
  return browser.text('nav');
}

/** A person signs in; the browser is left at the emulator's answer: the callback URL, not yet sent. */
async function atCallback(email = stack.emulator.demoUser.email, password = stack.emulator.demoUser.password) {
  const browser = new Browser({ stopAt: (url) => url.pathname === '/redirect' });
  await browser.get(`${stack.appOrigin}/signin`);
  await signIn(browser, stack.config.provider, { email, password });
  const callback = browser.url;
  expect(new URL(callback).searchParams.get('code')).toBeTruthy();
  return { browser, callback };
}

async function signedIn(name: string) {
  const email = `race.${name}.${Date.now()}.${Math.random()}@example.com`;
  await stack.emulator.accounts.create({ email, password: 'Secret123', givenName: name, surname: 'Racer' });
  const browser = new Browser();
  await browser.get(`${stack.appOrigin}/signin`);
  await signIn(browser, stack.config.provider, { email, password: 'Secret123' });
  expect(browser.text('nav')).toContain(`Hi ${name}`);
  return { browser, email };
}

describe('races of one browser', () => {
  // B2C only: the attacker needs a user flow a signed-in person starts (edit profile).
  it('a stolen cookie does not outlive the victim’s sign-out, whatever the attacker has in flight', async () => {
    const { browser: victim } = await signedIn('Victim');
    const stolen = cookieOf(victim);
    const attacker = new Browser();
    // The attacker opens edit profile with the stolen cookie, learning the transaction's state...
    const started = await fetch(`${stack.appOrigin}/profile`, { headers: { cookie: stolen }, redirect: 'manual' });
    const state = new URL(started.headers.get('location')!).searchParams.get('state')!;
    // ...and keeps a callback for it in flight at a slow token endpoint.
    stack.emulator.faults.tokenEndpointDelayMs = 400;
    const inFlight = send(attacker, `/redirect?state=${state}&code=bogus`, stolen);
    await until(() => stack.emulator.faults.heldTokenRequests === 1, 'the redemption is held at B2C');
    await send(victim, '/signout'); // the victim signs out meanwhile
    const late = await inFlight;
    expect(late.headers.getSetCookie()).toEqual([]); // it writes nothing, and sets no cookie
    expect(late.headers.get('location')).toBe('/');
    const again = await fetch(stack.appOrigin, { headers: { cookie: stolen } });
    const page = await again.text();
    expect(page).toContain('id="SignIn"');
    expect(page).not.toContain('Hi Victim');
  });
});

inEachMode('races of one browser’s sign-in', () => {
  it('signing out while one’s own sign-in is being redeemed ends signed out, its tokens not kept', async () => {
    const { browser, callback } = await atCallback();
    stack.emulator.faults.tokenEndpointDelayMs = 400;
    const inFlight = send(browser, callback);
    await until(() => stack.emulator.faults.heldTokenRequests === 1, 'the redemption is held at B2C');
    await send(browser, '/signout');
    await inFlight;
    expect(await greeting(browser)).not.toContain('Hi ');
    const demo = (await stack.emulator.accounts.findByEmail(stack.emulator.demoUser.email))!;
    expect(await caches[stack.config.provider].get(demo.id)).toBe('');
  });

  it('a page view while the sign-in is being redeemed writes nothing that could undo it (here every view writes: /_flow is on)', async () => {
    const dev = await startStack({ FLOW_VIEW: 'on' }, undefined, { mode: stack.config.provider });
    try {
      const browser = new Browser({ stopAt: (url) => url.pathname === '/redirect' });
      await browser.get(`${dev.appOrigin}/signin`);
      await signIn(browser, dev.config.provider, dev.emulator.demoUser);
      const cookie = browser.jar.header(new URL(dev.appOrigin), { crossSite: false, method: 'GET' });
      dev.emulator.faults.tokenEndpointDelayMs = 400;
      const inFlight = fetch(browser.url, { headers: { cookie }, redirect: 'manual' });
      for (let i = 0; i < 500 && dev.emulator.faults.heldTokenRequests === 0; i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
      const view = await fetch(dev.appOrigin, { headers: { cookie } });
      expect(view.status).toBe(200);
      // The view keeps its event in the visitor's pending cookie; it sets no session cookie.
      expect(view.headers.getSetCookie().map((c) => c.split('=')[0])).toEqual(['b2c.pending']);
      const signedInAnswer = await inFlight;
      const renewed = signedInAnswer.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
      expect(renewed).toMatch(/^b2c\.sid=/);
      // Whichever answer the browser takes last, it is signed in: the session cookie wins.
      const viewed = view.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
      const sid = renewed.split('; ').filter((c) => c.startsWith('b2c.sid')).join('; ');
      expect(await (await fetch(dev.appOrigin, { headers: { cookie: renewed } })).text()).toContain('Hi Demo');
      expect(await (await fetch(dev.appOrigin, { headers: { cookie: `${sid}; ${viewed}` } })).text()).toContain('Hi Demo');
    } finally {
      await dev.close();
    }
  });

  const GAPS = [0, 5, 10, 25, 50];
  const TRIALS = 20;
  it.each(GAPS)(`the same callback twice, %i ms apart: signed in, ${TRIALS} trials out of ${TRIALS}`, async (gap) => {
    stack.emulator.faults.tokenEndpointDelayMs = 150;
    const outcomes = await Promise.all(
      Array.from({ length: TRIALS }, async () => {
        const { browser, callback } = await atCallback();
        const cookie = cookieOf(browser);
        const first = send(browser, callback, cookie);
        await new Promise((resolve) => setTimeout(resolve, gap)); // the race's shape, not a wait for it
        const second = send(browser, callback, cookie);
        const answers = await Promise.all([first, second]);
        return { statuses: answers.map((a) => a.status), greeting: await greeting(browser) };
      }),
    );
    for (const outcome of outcomes) {
      expect(outcome.greeting).toContain('Hi Demo');
      expect(outcome.greeting).not.toContain('expired');
    }
  });
});

describe('a person’s other sessions', () => {
  it('a password reset in one browser ends the person’s session in the other at its next request', async () => {
    const { browser: first, email } = await signedIn('Twice');
    const second = new Browser();
    await second.get(`${stack.appOrigin}/signin`);
    await second.submit('#next', { signInName: email, password: 'Secret123' });
    expect(await greeting(second)).toContain('Hi Twice');
    await first.get(`${stack.appOrigin}/password`);
    await first.submit('#continue', { email, newPassword: 'Changed42', reenterPassword: 'Changed42' });
    expect(await greeting(first)).toContain('Hi Twice'); // the browser that reset stays signed in
    await second.get(`${stack.appOrigin}/`);
    expect(second.text('nav')).not.toContain('Hi ');
    expect(second.text('#message')).toContain('Please sign in again');
  });

  it('signing out in one browser signs the person out in the other', async () => {
    const { browser: first, email } = await signedIn('Elsewhere');
    const second = new Browser();
    await second.get(`${stack.appOrigin}/signin`);
    await second.submit('#next', { signInName: email, password: 'Secret123' });
    expect(await greeting(second)).toContain('Hi Elsewhere');
    await first.get(`${stack.appOrigin}/signout`);
    expect(await greeting(second)).not.toContain('Hi ');
  });
});
