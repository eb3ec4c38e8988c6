// What the benchmark measures, started and signed in: the ceiling, this app and its peers, each in
// a process of its own, all against one https emulator in another.
import { fileURLToPath } from 'node:url';
import type { DemoUser } from '../../src/emulator/index.ts';
import { signIn } from '../journeys.ts';
import type { AppSettings } from '../server.ts';
import { forkChild, startEmulatorProcess, startTutorial, trustCa, type Child } from '../servers.ts';
import { compileApp } from './compiled.ts';
import type { PeerSettings } from './express-oidc.ts';
import { floorClient } from './floor-journey.ts';

export interface App {
  label: string;
  child: Child;
  pid: number;
  origin: string;
  user: DemoUser;
  /** The Cookie header of a signed-in browser. */
  cookie: string;
  /** This app in another form (compiled): compared with, not a peer to beat. */
  self?: boolean;
  /** What a figure of a peer means, where it is not what the case's name says. */
  notes?: Partial<Record<'signed out' | 'signed in' | '/signin', string>>;
  cookieNote?: string;
  /** A floor that signs people in (bench/peers/floor-journey.ts). */
  journeys?: boolean;
}

const SERVER = fileURLToPath(new URL('../server.ts', import.meta.url));
const PEER = fileURLToPath(new URL('./express-oidc.ts', import.meta.url));
const FLOOR = fileURLToPath(new URL('./floor.ts', import.meta.url));

/** `compiled`: this app compiled by tsc, as one more (bench/peers/compiled.ts). `baseline`: a copy
 *  of the project elsewhere (its src and bench), to measure a change side by side with what it
 *  changed (BENCH_BASELINE=<dir>). */
export async function startApps({ compiled, baseline, ports }: { compiled: boolean; baseline?: string; ports: () => Promise<number> }) {
  const children: Child[] = [];
  const started = <T extends Child>(child: T) => (children.push(child), child);
  const stop = () => Promise.allSettled(children.reverse().map((child) => child.stop())).then(() => undefined);
  try {
    const compiledDir = compiled ? compileApp() : undefined;
    const names = ['app', 'express-oidc', 'tutorial', 'floor', ...(compiled ? ['compiled'] : []), ...(baseline ? ['baseline'] : [])];
    const clients = await Promise.all(names.map(async (name) => ({ name, port: await ports(), clientId: `bench-${name}`, clientSecret: `bench-${name}-secret` })));
    const client = (name: string) => clients.find((c) => c.name === name)!;
    const originOf = (name: string) => `http://localhost:${client(name).port}`;
    const emulatorChild = started(startEmulatorProcess(clients.map((c) => ({ ...c, origin: originOf(c.name) }))));
    const emulator = await emulatorChild.ready;
    await trustCa(emulator.caCertPath);
    const env = { NODE_EXTRA_CA_CERTS: emulator.caCertPath };
    const sessionSecret = 'bench-session-secret-bench-session-secret';
    const appSettings = (name: string): AppSettings => ({ port: client(name).port, clientId: client(name).clientId, clientSecret: client(name).clientSecret, sessionSecret, emulator });

    const ceiling = started(forkChild<{ url: string }>('ceiling', SERVER, ['ceiling']));
    // The floor with the duties also signs people in, as a client of the emulator: a journey's floor.
    const floors = (['stack', 'duties'] as const).map((kind) => {
      const args = kind === 'duties' ? [sessionSecret, kind, JSON.stringify(floorClient(emulator, client('floor')))] : [sessionSecret, kind];
      return { kind, child: started(forkChild<{ url: string }>(`floor (${kind})`, FLOOR, args, kind === 'duties' ? { env } : {})) };
    });
    // --expose-gc: for the memory figure, measured in this app's process.
    const app = started(forkChild('app', SERVER, ['app', JSON.stringify(appSettings('app'))], { env, execArgv: ['--expose-gc', '--import', 'tsx'] }));
    const peerSettings: PeerSettings = { port: client('express-oidc').port, clientId: client('express-oidc').clientId, clientSecret: client('express-oidc').clientSecret, sessionSecret, authority: emulator.authorities.signUpSignIn, apiScope: emulator.api.scope };
    const peer = started(forkChild('express-openid-connect', PEER, [JSON.stringify(peerSettings)], { env }));
    const susi = emulator.authorities.signUpSignIn;
    const tutorialOrigin = originOf('tutorial');
    const tutorial = started(
      await startTutorial(
        {
          SERVER_PORT: String(client('tutorial').port),
          APP_CLIENT_ID: client('tutorial').clientId,
          SESSION_SECRET: sessionSecret,
          APP_CLIENT_SECRET: client('tutorial').clientSecret,
          SIGN_UP_SIGN_IN_POLICY_AUTHORITY: susi,
          RESET_PASSWORD_POLICY_AUTHORITY: emulator.authorities.resetPassword,
          EDIT_PROFILE_POLICY_AUTHORITY: emulator.authorities.editProfile,
          AUTHORITY_DOMAIN: emulator.origin,
          APP_REDIRECT_URI: `${tutorialOrigin}/redirect`,
          LOGOUT_ENDPOINT: `${susi}/oauth2/v2.0/logout?post_logout_redirect_uri=${tutorialOrigin}`,
        },
        emulator.caCertPath,
      ),
    );
    const self = compiledDir
      ? started(forkChild('compiled', `${await compiledDir}/bench/server.js`, ['app', JSON.stringify(appSettings('compiled'))], { env, execArgv: [] }))
      : undefined;
    const base = baseline
      ? started(forkChild('baseline', `${baseline}/bench/server.ts`, ['app', JSON.stringify(appSettings('baseline'))], { env, execArgv: ['--expose-gc', '--import', 'tsx'] }))
      : undefined;
    await Promise.all([ceiling.ready, ...floors.map((f) => f.child.ready), app.ready, peer.ready, tutorial.ready, self?.ready, base?.ready]);

    const entry = async (label: string, child: Child, name: string, extra: Partial<App> = {}): Promise<App> => {
      const origin = originOf(name);
      return { label, child, pid: child.pid, origin, user: emulator.demoUser, cookie: await signIn(origin, emulator.demoUser), ...extra };
    };
    const apps: App[] = [await entry('this app', app, 'app')];
    const peerApp = await entry('express-openid-connect', peer, 'express-oidc');
    apps.push(
      { ...peerApp, cookieNote: `its session: the tokens, encrypted, in ${peerApp.cookie.split('; ').length} cookie(s)` },
      await entry("tutorial's Express app", tutorial, 'tutorial', {
        notes: { 'signed in': 'its / shows the sign-in page to everyone; express-session still loads the session', '/signin': 'MSAL getAuthCodeUrl per request, no PKCE' },
        cookieNote: 'express-session: a signed session id',
      }),
    );
    if (self) apps.push(await entry('this app, compiled (tsc, plain node)', self, 'compiled', { self: true }));
    if (base) apps.push(await entry(`this app, baseline (${baseline})`, base, 'baseline', { self: true }));

    const ceilingUrl = (await ceiling.ready).url.replace(/\/$/, '');
    // The ceiling and the floors answer this app's signed-out page, as a constant.
    const page = await (await fetch(`${apps[0]!.origin}/`)).text();
    await ceiling.call('serve', { html: page });
    const ceilingApp: App = { label: '', child: ceiling, pid: ceiling.pid, origin: ceilingUrl, user: emulator.demoUser, cookie: '' };
    const floorApps: App[] = [];
    for (const { kind, child } of floors) {
      const origin = (await child.ready).url.replace(/\/$/, '');
      await child.call('serve', { html: page });
      const signedIn = await fetch(`${origin}/_floor/sign-in`);
      const cookie = signedIn.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
      // Its signed-in figure must be of a session read, not of a cookie it ignored.
      const greeting = await (await fetch(`${origin}/`, { headers: { cookie } })).text();
      if (!greeting.includes(`Hi ${emulator.demoUser.givenName}`)) throw new Error(`floor (${kind}): the session it wrote was not read back`);
      const label = kind === 'stack' ? "floor: the order's stack alone, a constant page" : 'floor: the same with the security headers and the request log';
      // Its journeys must end signed in, as every app's do (signIn throws otherwise).
      if (kind === 'duties') await signIn(origin, emulator.demoUser);
      floorApps.push({ label, child, pid: child.pid, origin, user: emulator.demoUser, cookie, journeys: kind === 'duties' });
    }
    return { ceiling: ceilingApp, floors: floorApps, apps, emulator, compiledDir: await compiledDir, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
