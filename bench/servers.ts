// What the benchmark measures against: a bare Koa server (the ceiling) and the app with its
// built-in emulator, both on loopback ports of their own.
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { createLogger } from '../src/log.ts';
import { MemoryStore } from '../src/session/store.ts';
import { Browser } from '../test/support/browser.ts';
import { startStack, type Stack } from '../test/support/stack.ts';

/** Bare Koa answering every request with one constant page. */
export async function startCeiling() {
  let page = '';
  const app = new Koa();
  app.use((ctx) => {
    ctx.type = 'html';
    ctx.body = page;
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    serve(html: string) {
      page = html;
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

export type BenchStack = Stack & { store: MemoryStore };

/** The app and the emulator, wired as the tests wire them, with a quiet log and a store to look into. */
export async function startBenchStack(): Promise<BenchStack> {
  const store = new MemoryStore();
  // As in production: no /_flow view, so sessions keep no list of recent events.
  const stack = await startStack({ FLOW_VIEW: 'off' }, () => ({ store, log: createLogger('silent') }));
  return Object.assign(stack, { store });
}

/** Signs the demo user in; returns the Cookie header the browser then sends to the app. */
export async function signIn(stack: Stack): Promise<string> {
  const browser = new Browser();
  await browser.get(`${stack.appOrigin}/signin`);
  await browser.submit('#next', { signInName: stack.emulator.demoUser.email, password: stack.emulator.demoUser.password });
  if (!browser.text().includes(`Hi ${stack.emulator.demoUser.givenName}`)) throw new Error('the demo user could not sign in');
  return browser.jar.header(new URL(stack.appOrigin), { crossSite: false, method: 'GET' });
}
