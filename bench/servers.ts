// What the benchmark measures against: a bare Koa server (the ceiling) and the app, each on a
// loopback port of its own, and the B2C emulator the app signs in with, in a process of its own.
import { fork } from 'node:child_process';
import { openSync, writeSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import Koa from 'koa';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import type { DemoUser } from '../src/emulator/index.ts';
import { batched, createLogger } from '../src/log.ts';
import { MemoryStore } from '../src/session/store.ts';
import { Browser } from '../test/support/browser.ts';
import type { EmulatorReady } from './emulator.ts';

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

/** The memory store, able to forget the sessions made since a mark (the /signin load makes
 *  thousands a second), so that they do not weigh on the cases measured after it. */
export class BenchStore extends MemoryStore {
  private made = new Set<string>();

  override async set(key: string, session: unknown, maxAge: number): Promise<void> {
    this.made.add(key);
    return super.set(key, session, maxAge);
  }

  /** Forgets every session stored since the last call, except `keep`. */
  async forgetNewSessions(keep: string): Promise<number> {
    let forgotten = 0;
    for (const key of this.made) {
      if (key === keep) continue;
      await this.destroy(key);
      forgotten += 1;
    }
    this.made.clear();
    return forgotten;
  }
}

/** The app's session secret here, so that the memory figure can sign cookies for copied sessions. */
export const SESSION_SECRET = 'bench-session-secret-bench-session-secret';

export interface BenchStack {
  appOrigin: string;
  demoUser: DemoUser;
  store: BenchStore;
  close(): Promise<void>;
}

/** The app, wired as test/support/stack.ts wires it (the tutorial's variables, a free port) but
 *  with the emulator in a child process, and a store to look into. The app logs every request as
 *  in production, through the same batched writer, to /dev/null. */
export async function startBenchStack(): Promise<BenchStack> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, 'localhost', resolve));
  const appOrigin = `http://localhost:${(server.address() as AddressInfo).port}`;

  const clientId = 'bench-app';
  const clientSecret = 'bench-app-secret';
  const client = { clientId, clientSecret, redirectUris: [`${appOrigin}/redirect`], postLogoutRedirectUris: [appOrigin] };
  const child = fork(fileURLToPath(new URL('./emulator.ts', import.meta.url)), [JSON.stringify(client)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const emulator = await new Promise<EmulatorReady>((resolve, reject) => {
    child.once('message', (message) => resolve(message as EmulatorReady));
    child.once('exit', (code) => reject(new Error(`the emulator exited (${code})`)));
  });
  const config = loadConfig({
    SERVER_PORT: String((server.address() as AddressInfo).port),
    APP_CLIENT_ID: clientId,
    APP_CLIENT_SECRET: clientSecret,
    SESSION_SECRET,
    SIGN_UP_SIGN_IN_POLICY_AUTHORITY: emulator.authorities.signUpSignIn,
    EDIT_PROFILE_POLICY_AUTHORITY: emulator.authorities.editProfile,
    RESET_PASSWORD_POLICY_AUTHORITY: emulator.authorities.resetPassword,
    AUTHORITY_DOMAIN: emulator.origin,
    APP_REDIRECT_URI: `${appOrigin}/redirect`,
    LOGOUT_ENDPOINT: `${emulator.authorities.signUpSignIn}/oauth2/v2.0/logout?post_logout_redirect_uri=${appOrigin}`,
    WEB_API_URI: emulator.api.uri,
    WEB_API_SCOPES: emulator.api.scope,
    // As in production: no /_flow view, so sessions keep no list of recent events.
    FLOW_VIEW: 'off',
  });

  const store = new BenchStore();
  const devNull = openSync('/dev/null', 'w');
  const log = createLogger('info', batched((chunk) => writeSync(devNull, chunk)));
  const { app, close } = createApp(config, { store, log });
  server.on('request', app.callback());
  return {
    appOrigin,
    demoUser: emulator.demoUser,
    store,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await close();
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.disconnect();
      await exited;
    },
  };
}

/** Signs the demo user in; returns the Cookie header the browser then sends to the app. */
export async function signIn(stack: BenchStack): Promise<string> {
  const browser = new Browser();
  await browser.get(`${stack.appOrigin}/signin`);
  await browser.submit('#next', { signInName: stack.demoUser.email, password: stack.demoUser.password });
  if (!browser.text().includes(`Hi ${stack.demoUser.givenName}`)) throw new Error('the demo user could not sign in');
  return browser.jar.header(new URL(stack.appOrigin), { crossSite: false, method: 'GET' });
}
