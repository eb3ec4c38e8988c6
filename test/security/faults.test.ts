// Identity-provider faults mid-journey: an error page within the timeout, no crash, no transaction
// left behind, and the next attempt works.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { PendingCookie } from '../../src/http/pending-cookie.ts';
import { MemoryStore } from '../../src/session/store.ts';
import { Browser } from '../support/browser.ts';
import { startStack, type Stack } from '../support/stack.ts';

let stack: Stack | undefined;
afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

/** A stack whose session store the test can read. */
async function withStore() {
  const store = new MemoryStore();
  stack = await startStack({ IDP_TIMEOUT_MS: '1000' }, () => ({ store }));
  return { stack, store };
}

async function signInAsDemo(s: Stack, browser: Browser) {
  await browser.submit('#next', { signInName: s.emulator.demoUser.email, password: s.emulator.demoUser.password });
}

describe('the identity provider fails mid-journey', () => {
  it('the emulator stops after the person signed in there: 503, no transaction kept, and later it works', async () => {
    const { stack: s, store } = await withStore();
    // The visitor's session, the open transaction in it, is sealed in its browser's pending cookie.
    const opener = new PendingCookie('b2c.pending', [s.config.sessionSecret], s.config.sessionIdleMs, Date.now, false);
    const transactionOf = (b: Browser) => {
      const sealed = b.jar.matching(new URL(s.appOrigin)).find((c) => c.name === 'b2c.pending')?.value;
      const pending = sealed === undefined ? undefined : opener.open(sealed);
      return (pending?.machine as { context?: { transaction?: { state: string } | null } } | undefined)?.context?.transaction ?? undefined;
    };
    const browser = new Browser({ stopAt: (url) => url.pathname === '/redirect' });
    await browser.get(`${s.appOrigin}/signin`);
    await signInAsDemo(s, browser);
    const transaction = transactionOf(browser);
    expect(transaction?.state).toBe(new URL(browser.url).searchParams.get('state'));
    expect(store.size).toBe(0);
    await s.emulator.close(); // the code is in the callback URL; the token endpoint is gone
    await browser.follow();
    expect(browser.status).toBe(503);
    expect(browser.$('#Home').attr('href')).toBe('/');
    // Back to a visitor with nothing kept: no transaction in the browser's cookie (cleared, or
    // holding none), no session in the store, and no spent mark left on the transaction.
    expect(transactionOf(browser)).toBeUndefined();
    expect(store.size).toBe(0);
    expect(await store.spendTransaction(transaction!.state, Date.now() + 60_000)).toBe(true);
    await store.unspendTransaction(transaction!.state);

    await s.restartEmulator();
    const again = new Browser();
    await again.get(`${s.appOrigin}/signin`);
    await signInAsDemo(s, again);
    expect(again.text()).toContain(`Hi ${s.emulator.demoUser.givenName}`);
  });

  it('the keys (JWKS) cannot be fetched: 503, not signed in, and the next sign-in works', async () => {
    const { stack: s } = await withStore();
    s.emulator.faults.keysEndpoint = 'error500';
    const browser = new Browser();
    await browser.get(`${s.appOrigin}/signin`);
    await signInAsDemo(s, browser);
    expect(browser.status).toBe(503);
    expect(browser.$('#problem h2').text()).toBe('The sign-in service is not answering');

    s.emulator.faults.reset();
    await browser.get(`${s.appOrigin}/signin`); // the emulator's session signs in at once
    expect(browser.text()).toContain(`Hi ${s.emulator.demoUser.givenName}`);
  });
});

describe('a promise nobody awaited', () => {
  it('is logged, and the process keeps serving', async () => {
    const script = [
      "import { createLogger, keepServingOnUnhandledRejection } from './src/log.ts';",
      "keepServingOnUnhandledRejection(createLogger());",
      "Promise.reject(new TypeError('nobody awaited this'));",
      "setTimeout(() => console.log('still serving'), 50);",
    ].join('\n');
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]);
    expect(stdout).toContain('"msg":"unhandled rejection","error":"TypeError"');
    expect(stdout).not.toContain('nobody awaited this');
    expect(stdout).toContain('still serving');
  });
});
