// Identity-provider faults mid-journey: an error page within the timeout, no crash, no transaction
// left behind, and the next attempt works.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
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
    const browser = new Browser({ stopAt: (url) => url.pathname === '/redirect' });
    await browser.get(`${s.appOrigin}/signin`);
    await signInAsDemo(s, browser);
    const key = browser.jar.matching(new URL(s.appOrigin)).find((c) => c.name === 'b2c.sid')!.value;
    expect(((await store.get(key)) as { machine: { context: { transaction: unknown } } }).machine.context.transaction).not.toBeNull();
    await s.emulator.close(); // the code is in the callback URL; the token endpoint is gone
    await browser.follow();
    expect(browser.status).toBe(503);
    expect(browser.$('#Home').attr('href')).toBe('/');
    // Back to a visitor with nothing kept: the transaction is gone, and so is the whole session.
    expect(await store.get(key)).toBeUndefined();

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
