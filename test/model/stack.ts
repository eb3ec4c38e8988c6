// The app and the built-in emulator as test/support/stack.ts starts them, for either provider (the
// app configured as that provider's .env would, the emulator and sample API playing it), plus what
// model tests need to see and to switch: the app's session store (where the persisted machine
// snapshot is) and an outage of the app's route to the identity provider.
import { createServer as createHttpServer } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, vi } from 'vitest';
import type { Flow } from '../../machines/session.ts';
import { createApp, type AppDeps } from '../../src/app.ts';
import type { Config } from '../../src/config.ts';
import { createIdentity, type Identity } from '../../src/identity/index.ts';
import { createLogger } from '../../src/log.ts';
import { PendingCookie } from '../../src/http/pending-cookie.ts';
import { MemoryStore } from '../../src/session/store.ts';
import type { Browser } from '../support/browser.ts';
import { startStack, type Mode, type Stack } from '../support/stack.ts';
import type { Persisted } from './model.ts';

export interface ModelStack extends Stack {
  /** Runs `act` with the app's clock moved `ms` ahead (as if that much time had passed), then puts it back. */
  later<T>(ms: number, act: () => Promise<T>): Promise<T>;
  /** Makes the app's identity provider unreachable, or reachable again. */
  outage(on: boolean): void;
  /** Another instance of the app on the same sessions, configured with no web API. */
  noApiOrigin: string;
  /** The browser's session cookie, if it has one. */
  sessionId(browser: Browser): string | undefined;
  /** What the app keeps for that session id. */
  stored(sessionId: string | undefined): Promise<{ machine?: Persisted } | undefined>;
  /** The browser's pending cookie (a visitor's session before sign-in completes), opened as the app opens it. */
  pending(browser: Browser): { machine: Persisted } | undefined;
  /** What the app keeps for this browser, wherever it is kept: the store, or the pending cookie. */
  kept(browser: Browser): Promise<{ machine?: Persisted } | undefined>;
}

/** An identity provider that hangs up on every connection (a released port could be taken by another test's server). */
async function hangingUp(): Promise<{ origin: string; close(): Promise<void> }> {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * Once MSAL has a flow's metadata, `authorize` needs no network, so no emulator fault can make it
 * fail. An outage therefore sends the app's identity calls to the same code configured for an
 * authority that hangs up: the app fails as it does when B2C is down.
 */
function switchableIdentity(config: Config, deadOrigin: string, now: () => number) {
  const live = createIdentity(config, now);
  const emulatorOrigin = new URL(config.flows.signUpSignIn.authority).origin;
  const flows = Object.fromEntries(Object.entries(config.flows).map(([flow, f]) => [flow, { ...f, authority: f.authority.replace(emulatorOrigin, deadOrigin) }]));
  const dead = createIdentity({ ...config, flows: flows as Record<Flow, Config['flows'][Flow]>, authorityDomain: new URL(deadOrigin).host }, now);
  let down = false;
  const current = () => (down ? dead : live);
  const identity: Identity = {
    authorize: (flow) => current().authorize(flow),
    redeem: (transaction, params) => current().redeem(transaction, params),
    accessToken: (account, options) => current().accessToken(account, options),
    forget: (account) => current().forget(account),
    ready: () => current().ready(),
  };
  return { identity, outage: (on: boolean) => void (down = on) };
}

/** `env`: the app's variables over the test stack's (production-like) defaults, e.g. `{ FLOW_VIEW: 'on' }`;
 *  `mode`: the identity provider. */
export async function startModelStack(env: Record<string, string> = {}, mode: Mode = 'b2c'): Promise<ModelStack> {
  let skipped = 0;
  const now = () => Date.now() + skipped;
  const store = new MemoryStore(now);
  const dead = await hangingUp();
  let outage: (on: boolean) => void = () => {};
  let deps: AppDeps = {};
  const stack = await startStack({ IDP_TIMEOUT_MS: '2000', ...env }, (config) => {
    const switchable = switchableIdentity(config, dead.origin, now);
    outage = switchable.outage;
    deps = { store, identity: switchable.identity, log: createLogger('silent'), now };
    return deps;
  }, { mode });
  // Every call refreshes its token (MSAL refreshes one with under 5 minutes left), so that a
  // revoked refresh token is found out.
  stack.emulator.lifetimes.accessTokenSeconds = 60;
  const noApi = createApp({ ...stack.config, webApi: null }, deps);
  const noApiServer = createHttpServer(noApi.app.callback());
  await new Promise<void>((resolve) => noApiServer.listen(0, 'localhost', resolve));
  const closeStack = stack.close;
  const sessionIdOf = (browser: Browser) => browser.jar.matching(new URL(stack.appOrigin)).find((c) => c.name === 'b2c.sid')?.value;
  const stored = async (id: string | undefined) => (id ? ((await store.get(id)) as { machine?: Persisted } | undefined) : undefined);
  const opener = new PendingCookie('b2c.pending', [stack.config.sessionSecret], stack.config.sessionIdleMs, now, false);
  const pending = (browser: Browser) => {
    const sealed = browser.jar.matching(new URL(stack.appOrigin)).find((c) => c.name === 'b2c.pending')?.value;
    const opened = sealed ? opener.open(sealed) : undefined;
    return opened && !opened.expired ? (opened as unknown as { machine: Persisted }) : undefined;
  };
  return Object.assign(stack, {
    noApiOrigin: `http://localhost:${(noApiServer.address() as AddressInfo).port}`,
    close: async () => {
      noApiServer.closeAllConnections();
      await new Promise((resolve) => noApiServer.close(resolve));
      await Promise.all([closeStack(), dead.close(), noApi.close()]);
    },
    outage: (on: boolean) => outage(on),
    async later<T>(ms: number, act: () => Promise<T>): Promise<T> {
      skipped = ms;
      try {
        return await act();
      } finally {
        skipped = 0;
      }
    },
    sessionId: sessionIdOf,
    stored,
    pending,
    kept: async (browser: Browser) => (await stored(sessionIdOf(browser))) ?? pending(browser),
  });
}

/**
 * Every request a test's Browser makes gets a deadline, so a hung answer fails the test with a
 * TimeoutError instead of stalling it. The Browser (test/support) passes no signal of its own;
 * requests that carry one (the app's calls to the identity provider) keep theirs.
 */
export function withRequestDeadline(ms: number): () => void {
  const real = globalThis.fetch;
  vi.stubGlobal('fetch', (input: RequestInfo | URL, init?: RequestInit) => real(input, init?.signal ? init : { ...init, signal: AbortSignal.timeout(ms) }));
  return () => vi.unstubAllGlobals();
}

/** The stack for one test file (or describe block): started before its tests (every request bounded
 *  to 10 s), stopped after them; `use` receives it once it runs. */
export function useModelStack(use: (stack: ModelStack) => void, env: Record<string, string> = {}, mode: Mode = 'b2c'): void {
  let stack: ModelStack | undefined;
  let restoreFetch: (() => void) | undefined;
  beforeAll(async () => {
    restoreFetch = withRequestDeadline(10_000);
    stack = await startModelStack(env, mode);
    use(stack);
  });
  afterAll(async () => {
    restoreFetch?.();
    await stack?.close();
  });
}
