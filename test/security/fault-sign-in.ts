// One sign-in of the emulator's demo user while an ID-token fault is on, as the ID-token tests all
// run it: what the browser ended on, the reasons the app logged meanwhile, and the token requests
// the emulator answered (so a test can tell the app's refusal from the emulator's). Also the stack
// those tests start per provider mode, and what a browser sees once its sign-in was refused.
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import type { Emulator, IdTokenFault } from '../../src/emulator/index.ts';
import { Browser } from '../support/browser.ts';
import { signIn } from '../support/idp-pages.ts';
import { startStack, type Mode, type Stack } from '../support/stack.ts';

export interface FaultTarget { appOrigin: string; emulator: Emulator; logs: string[] }

export async function signInWithFault({ appOrigin, emulator, logs }: FaultTarget, mode: Mode, fault: IdTokenFault | null) {
  const browser = new Browser();
  await browser.get(`${appOrigin}/signin`);
  emulator.faults.idToken = fault;
  const logsBefore = logs.length;
  const tokenRequestsBefore = emulator.tokenRequests.length;
  await signIn(browser, mode, emulator.demoUser);
  const reasons = logs.slice(logsBefore).map((line) => (JSON.parse(line) as { reason?: string }).reason).filter(Boolean);
  return { browser, reasons, tokenRequests: emulator.tokenRequests.slice(tokenRequestsBefore) };
}

/** Within a describe: the app and emulator in `mode` for its tests, faults reset after each. */
export function faultStack(mode: Mode) {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({}, undefined, { mode });
  });
  afterEach(() => stack.emulator.faults.reset());
  afterAll(() => stack.close());
  return {
    stack: () => stack,
    signInWith: (fault: IdTokenFault | null) => signInWithFault(stack, mode, fault),
  };
}

/** The home page, as the browser sees it now: the visitor's, no one greeted. */
export async function expectSignedOut(browser: Browser, appOrigin: string) {
  await browser.get(appOrigin);
  expect(browser.$('#SignIn').length).toBe(1);
  expect(browser.text()).not.toContain('Hi ');
}
