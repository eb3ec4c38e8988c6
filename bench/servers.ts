// The benchmark's processes: every server in a process of its own (the ceiling, this app, its
// peers, the emulator), so that each one's CPU time, read from /proc, is its own; this process only
// generates load. Also the little IPC protocol the forked ones answer (`answerParent`).
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dotenv, type TutorialEnv } from '../test/fixtures/tutorial-app/start.ts';
import type { EmulatorReady } from './emulator.ts';

export type Message = { id: number; cmd: string; [arg: string]: unknown };

/** A server process this one started: its pid (for its CPU time), its commands, its stop. */
export interface Child<R = unknown> {
  name: string;
  pid: number;
  ready: Promise<R>;
  call<T>(cmd: string, args?: Record<string, unknown>): Promise<T>;
  stop(): Promise<void>;
}

/** Forks a bench script that answers over IPC (`answerParent`). `tsx`: as `npm start` runs the
 *  app (compiled code runs without it). */
export function forkChild<R>(name: string, script: string, args: string[], options: { env?: Record<string, string>; execArgv?: string[]; cwd?: string } = {}): Child<R> {
  const child = fork(script, args, {
    execArgv: options.execArgv ?? ['--import', 'tsx'],
    env: { ...process.env, ...options.env },
    cwd: options.cwd,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 0;
  const exited = once(child, 'exit');
  const ready = new Promise<R>((resolve, reject) => {
    child.on('message', (message: { ready?: R; id?: number; result?: unknown; error?: string }) => {
      if (message.ready) return resolve(message.ready);
      const waiting = pending.get(message.id!);
      pending.delete(message.id!);
      if (message.error) waiting?.reject(new Error(`${name}: ${message.error}`));
      else waiting?.resolve(message.result);
    });
    void exited.then(([code]) => {
      const error = new Error(`${name} exited (${code})`);
      reject(error);
      for (const waiting of pending.values()) waiting.reject(error);
    });
  });
  return {
    name,
    pid: child.pid!,
    ready,
    call<T>(cmd: string, args: Record<string, unknown> = {}) {
      const id = nextId++;
      child.send({ id, cmd, ...args });
      return new Promise<T>((resolve, reject) => pending.set(id, { resolve: resolve as (value: unknown) => void, reject }));
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      // A child leaves when its parent disconnects (and writes its CPU profile on the way out).
      if (child.connected) child.disconnect();
      await exited;
    },
  };
}

/** The child's side: answers the parent's commands, and never outlives it (an emulator or a
 *  server it started stops with it). `close` runs on disconnect, then the process exits. */
export function answerParent(commands: Record<string, (args: Record<string, unknown>) => unknown>, close: () => Promise<unknown>): void {
  process.on('message', async ({ id, cmd, ...args }: Message) => {
    try {
      const command = commands[cmd];
      if (!command) throw new Error(`unknown command ${cmd}`);
      process.send!({ id, result: (await command(args)) ?? null });
    } catch (error) {
      process.send!({ id, error: (error as Error).message });
    }
  });
  process.on('disconnect', () => void close().finally(() => process.exit(0)));
}

/** The process's CPU time so far (µs), every thread, read from outside, so any process can be
 *  measured alike and the measuring costs it nothing: the scheduler's own count per thread
 *  (`schedstat`, in ns), which unlike `stat`'s 10 ms ticks can time a single request. (A thread's
 *  time leaves the sum when it exits; Node's threads live as long as the process.) */
export function cpuMicros(pid: number): number {
  let nanos = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      nanos += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // The thread ended in between.
    }
  }
  return nanos / 1000;
}

/** The https emulator and the sample API, in a process of their own, knowing every app's client. */
export function startEmulatorProcess(clients: { clientId: string; clientSecret: string; origin: string }[]): Child<EmulatorReady> {
  const registered = clients.map(({ clientId, clientSecret, origin }) => ({ clientId, clientSecret, redirectUris: [`${origin}/redirect`], postLogoutRedirectUris: [origin] }));
  return forkChild<EmulatorReady>('emulator', fileURLToPath(new URL('./emulator.ts', import.meta.url)), [JSON.stringify(registered)]);
}

/** Resolves once `url` answers at all (a server that prints nothing we can wait for). */
export async function answering(url: string, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      await (await fetch(url, { redirect: 'manual' })).arrayBuffer();
      return;
    } catch (error) {
      if (Date.now() > until) throw new Error(`${url} did not answer within ${timeoutMs} ms: ${(error as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

const TUTORIAL = fileURLToPath(new URL('../test/fixtures/tutorial-app/index.cjs', import.meta.url));
const EXIT_WITH_PARENT = fileURLToPath(new URL('./peers/exit-with-parent.cjs', import.meta.url));

/** The tutorial's Express app, run as a team runs it: `node index.js` beside its .env, the CA in
 *  NODE_EXTRA_CA_CERTS. Its verbose MSAL log goes to /dev/null, as this app's log does. (The test
 *  fixture keeps every line in memory, which a benchmark's millions of lines would not want.) */
export async function startTutorial(env: TutorialEnv, caCertPath: string): Promise<Child> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-tutorial-'));
  await writeFile(join(dir, '.env'), dotenv({ ...env }));
  const devNull = openSync('/dev/null', 'w');
  // The preload only exits when this process goes (it adds nothing to a request).
  const child: ChildProcess = spawn(process.execPath, ['--require', EXIT_WITH_PARENT, TUTORIAL], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', NODE_EXTRA_CA_CERTS: caCertPath },
    stdio: ['ignore', devNull, 'inherit', 'ipc'],
  });
  closeSync(devNull); // the child has its own
  const exited = once(child, 'exit');
  const origin = `http://localhost:${env.SERVER_PORT}`;
  const ready = Promise.race([answering(`${origin}/`), exited.then(([code]) => Promise.reject(new Error(`the tutorial app exited (${code})`)))]);
  return {
    name: 'tutorial',
    pid: child.pid!,
    ready,
    call: () => Promise.reject(new Error('the tutorial app takes no commands')),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** This process's fetch (the journeys' browsers) trusts the emulator's CA from here on. */
export async function trustCa(caCertPath: string): Promise<void> {
  const { Agent, setGlobalDispatcher } = await import('undici');
  const { rootCertificates } = await import('node:tls');
  setGlobalDispatcher(new Agent({ connect: { ca: [...rootCertificates, await readFile(caCertPath, 'utf8')] } }));
}

/** The app's environment as a team writes it for a tenant, here the emulator's https authorities
 *  (trusted through NODE_EXTRA_CA_CERTS): the tutorial's variables, the API, and no /_flow view, as
 *  in production. Shared by the benchmark's app (bench/server.ts) and the flood's (bench/flood-app.ts). */
export function tenantEnv(emulator: EmulatorReady, app: { port: number; clientId: string; clientSecret: string; sessionSecret: string }): Record<string, string> {
  const origin = `http://localhost:${app.port}`;
  return {
    SERVER_PORT: String(app.port),
    APP_CLIENT_ID: app.clientId,
    APP_CLIENT_SECRET: app.clientSecret,
    SESSION_SECRET: app.sessionSecret,
    SIGN_UP_SIGN_IN_POLICY_AUTHORITY: emulator.authorities.signUpSignIn,
    EDIT_PROFILE_POLICY_AUTHORITY: emulator.authorities.editProfile,
    RESET_PASSWORD_POLICY_AUTHORITY: emulator.authorities.resetPassword,
    AUTHORITY_DOMAIN: emulator.origin,
    APP_REDIRECT_URI: `${origin}/redirect`,
    LOGOUT_ENDPOINT: `${emulator.authorities.signUpSignIn}/oauth2/v2.0/logout?post_logout_redirect_uri=${origin}`,
    WEB_API_URI: emulator.api.uri,
    WEB_API_SCOPES: emulator.api.scope,
    // As in production: no /_flow view, so sessions keep no list of recent events.
    FLOW_VIEW: 'off',
  };
}
