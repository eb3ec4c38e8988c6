// BENCH_PROFILE=<case> npm run bench: a CPU profile of this app's process for one case alone (no
// peers, no interleaving), over the measured window only (not start-up nor the warm-up), then
// summarised (bench/profile-summary.ts). The emulator runs in its own process, as in the run.
// With perf where it runs (CPU time of every thread, native frames too: BENCH_PROFILE_TOOL=perf),
// else V8's own sampler through the inspector (BENCH_PROFILE_TOOL=inspector), which samples the
// main thread in wall time: on a busy machine, a wait for a core is charged to whatever waited.
//   journeys | signed-in | signed-out | signin      BENCH_PROFILE_SECONDS (default 15)
// The profile is written to BENCH_PROFILE_OUT, or to the temporary directory. BENCH_PROFILE_FLOOR=1
// profiles the floor under the targets (bench/peers/floor.ts, signing people in) instead of the app.
// BENCH_PROFILE=phases instead times each app's CPU per request of a journey (no profiler): one
// browser at a time, every app in turn, BENCH_PROFILE_JOURNEYS (default 300) journeys each.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { freePort } from '../../test/support/ports.ts';
import { Browser } from '../../test/support/browser.ts';
import { journeys, signIn } from '../journeys.ts';
import { startApps, type App } from './apps.ts';
import { floorClient } from './floor-journey.ts';
import { readProfile, summarise } from '../profile-summary.ts';
import type { AppSettings } from '../server.ts';
import { cpuMicros, forkChild, startEmulatorProcess, trustCa } from '../servers.ts';

const CASES = ['journeys', 'signed-in', 'signed-out', 'signin'] as const;

/** perf (CPU time of every thread, native frames included) where it can be run, else V8's sampler. */
const usePerf = () => (process.env.BENCH_PROFILE_TOOL ?? (spawnSync('perf', ['--version']).status === 0 ? 'perf' : 'inspector')) === 'perf';

export async function profileThisApp(which: string, quick: boolean): Promise<void> {
  if (which === 'phases') return phases(quick ? 5 : Number(process.env.BENCH_PROFILE_JOURNEYS ?? 300));
  if (!(CASES as readonly string[]).includes(which)) throw new Error(`BENCH_PROFILE must be one of ${CASES.join(', ')}, or phases`);
  const seconds = quick ? 2 : Number(process.env.BENCH_PROFILE_SECONDS ?? 15);
  const perf = usePerf();
  // perf's JavaScript frames come from the dump V8 writes in the process's directory (--perf-prof),
  // each code object with its lifetime, so that code moved or freed is not misnamed.
  const dir = mkdtempSync(join(tmpdir(), 'bench-profile-'));
  const port = await freePort();
  const origin = `http://localhost:${port}`;
  const client = { clientId: 'bench-app', clientSecret: 'bench-app-secret', origin };
  const emulatorChild = startEmulatorProcess([client]);
  let app: ReturnType<typeof forkChild> | undefined;
  try {
    const emulator = await emulatorChild.ready;
    await trustCa(emulator.caCertPath);
    const sessionSecret = 'bench-session-secret-bench-session-secret';
    const settings: AppSettings = { port, ...client, sessionSecret, emulator };
    // BENCH_PROFILE_FLOOR=1: the floor that signs people in (floor-journey.ts) instead, to compare.
    const floor = process.env.BENCH_PROFILE_FLOOR ? floorClient(emulator, { port, ...client }) : undefined;
    const [script, args] = floor ? ['./floor.ts', [sessionSecret, 'duties', JSON.stringify(floor)]] : ['../server.ts', ['app', JSON.stringify(settings)]];
    app = forkChild(floor ? 'floor' : 'app', fileURLToPath(new URL(script, import.meta.url)), args, {
      env: { NODE_EXTRA_CA_CERTS: emulator.caCertPath },
      // tsx by its address: the process runs in the profile's directory, where no node_modules is.
      execArgv: [...(perf ? ['--perf-prof', '--interpreted-frames-native-stack'] : []), '--expose-gc', '--import', import.meta.resolve('tsx')],
      cwd: dir,
    });
    await app.ready;
    if (floor) await app.call('serve', { html: '<a id="SignIn" href="/signin">Sign in</a>' });
    const cookie = await signIn(origin, emulator.demoUser);
    const run = async (s: number): Promise<number> => {
      if (which === 'journeys') return (await journeys(origin, emulator.demoUser, s, 10)).length;
      const url = `${origin}/${which === 'signin' ? 'signin' : ''}`;
      const result = await autocannon({ url, connections: 16, duration: s, headers: which === 'signed-in' ? { cookie } : {} });
      return result.requests.total;
    };
    // Warm-up: the JIT's optimised code, discovery, keys, as a server that has run a while has them.
    await run(quick ? 1 : Number(process.env.BENCH_PROFILE_WARMUP ?? 30));
    const path = process.env.BENCH_PROFILE_OUT ?? join(tmpdir(), `bench-${which}-${Date.now()}.${perf ? 'perf.txt' : 'cpuprofile'}`);
    const recorder = perf
      ? spawn('perf', ['record', '-k', '1', '-F', '999', '-g', '-p', String(app.pid), '-o', join(dir, 'perf.data')], { stdio: ['ignore', 'ignore', 'inherit'] })
      : undefined;
    if (recorder) await new Promise((resolve) => setTimeout(resolve, 500)); // perf attached
    else await app.call('profileStart', { intervalMicros: 1000 });
    const before = cpuMicros(app.pid);
    const count = await run(seconds);
    const cpu = cpuMicros(app.pid) - before;
    if (recorder) {
      recorder.kill('SIGINT');
      await once(recorder, 'exit');
      await app.stop();
      const quiet = { cwd: dir, maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] as ('ignore' | 'pipe')[] };
      execFileSync('perf', ['inject', '--jit', '-i', 'perf.data', '-o', 'perf.jit.data'], quiet);
      writeFileSync(path, execFileSync('perf', ['script', '-i', 'perf.jit.data', '-F', 'comm,pid,tid,period,ip,sym,dso'], quiet));
    } else await app.call('profileStop', { path });
    const unit = which === 'journeys' ? 'journey' : 'request';
    console.log(`${count} ${unit}s in ${seconds} s; app CPU (from /proc, the profiler's own cost included) ${(cpu / 1000 / count).toFixed(3)} ms per ${unit}`);
    console.log(`profile (${perf ? 'perf' : "V8's sampler"}): ${path}\n`);
    console.log(summarise(readProfile(path), { per: { count, unit } }));
  } finally {
    await app?.stop();
    await emulatorChild.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Each app's CPU time for each request of a journey, one journey at a time so that nothing else
 *  runs in it meanwhile: /signin, the callback, and the greeting it redirects to (the tutorial's
 *  callback answers with the greeting itself). */
async function phases(count: number): Promise<void> {
  const stack = await startApps({ compiled: false, ports: () => freePort() });
  // The apps, and the floor that signs people in (bench/peers/floor-journey.ts).
  const apps = [...stack.apps, ...stack.floors.filter((floor) => floor.journeys)];
  try {
    const totals = new Map<App, { signin: number; callback: number; greeting: number; greetings: number }>(
      apps.map((app) => [app, { signin: 0, callback: 0, greeting: 0, greetings: 0 }]),
    );
    const timed = async (app: App, step: () => Promise<unknown>) => {
      const before = cpuMicros(app.pid);
      await step();
      return cpuMicros(app.pid) - before;
    };
    for (let i = -20; i < count; i += 1) {
      for (const app of apps) {
        // Stops whenever a redirect leads back to the app, so that each of its requests is timed alone.
        const browser = new Browser({ stopAt: (url) => url.origin === app.origin });
        const signin = await timed(app, () => browser.get(`${app.origin}/signin`));
        await browser.submit('#next', { signInName: app.user.email, password: app.user.password });
        const callback = await timed(app, () => browser.follow());
        const greeting = browser.page.stopped ? await timed(app, () => browser.follow()) : undefined;
        if (!browser.body.includes(`Hi ${app.user.givenName}`)) throw new Error(`${app.label}: no greeting at ${browser.url}`);
        if (i < 0) continue; // warm-up
        const t = totals.get(app)!;
        t.signin += signin;
        t.callback += callback;
        if (greeting !== undefined) {
          t.greeting += greeting;
          t.greetings += 1;
        }
      }
    }
    const ms = (micros: number) => `${(micros / 1000 / count).toFixed(2)} ms`;
    for (const [app, t] of totals) {
      const greeting = t.greetings ? `, the greeting after it ${ms(t.greeting)}` : ' (it answers with the greeting)';
      console.log(`${app.label}: /signin ${ms(t.signin)}, the callback ${ms(t.callback)}${greeting}; a journey ${ms(t.signin + t.callback + t.greeting)} (${count} journeys, one at a time)`);
    }
  } finally {
    await stack.stop();
  }
}
