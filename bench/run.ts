// `npm run bench`: this app side by side with its peers, in one run on one machine, against one B2C
// emulator (https, in a process of its own): the tutorial's Express app (MSAL, express-session) and
// an Express app on auth0's express-openid-connect, with a bare Koa server answering a constant page
// as the ceiling. Per app: signed-out and signed-in GET /, GET /signin (req/s, server CPU µs per
// request) and whole sign-in journeys (journeys/s, p50/p99, the app's CPU ms per journey). Checks
// this app's targets, prints MISSED where one is, and writes docs/BENCHMARKS.md.
//   --quick       about a second per case (the smoke test)
//   --compiled    this app also compiled by tsc and run by plain node, as one more peer
//   BENCH_BASELINE=<dir>  also a copy of the project at <dir> (before a change), side by side
//   BENCH_ONLY=journeys,signed in  only those cases (and the ceiling); the table then lists only them
//   BENCH_PROFILE=journeys|signed-in|signed-out|signin   a CPU profile of this app for that case
//                 alone (bench/peers/profile.ts: perf where it runs, else V8's sampler), summarised
//                 by bench/profile-summary.ts; BENCH_PROFILE=phases: each app's CPU per request of
//                 a journey, one journey at a time
//
// Every server runs in a process of its own and its CPU time is read from /proc (all threads); this
// process only generates load: autocannon for single requests, scripted browsers for journeys.
// Cases are measured in slices (1 s; 3 s of journeys), interleaved round by round in a rotating
// order, so that whatever else the machine does weighs on all of them alike.
import { cpus, loadavg, totalmem } from 'node:os';
import autocannon from 'autocannon';
import { freePort } from '../test/support/ports.ts';
import { journeys, latency, signIn } from './journeys.ts';
import { startApps, type App } from './peers/apps.ts';
import { report, target, type Row } from './peers/report.ts';
import { profileThisApp } from './peers/profile.ts';
import { startupTimes } from './peers/compiled.ts';
import { cpuMicros } from './servers.ts';

const quick = process.argv.includes('--quick');
const rounds = quick ? 1 : 8;
const connections = 16; // autocannon's, per single-request case
const concurrency = 10; // browsers per journey slice
const journeySeconds = quick ? 1 : Number(process.env.BENCH_JOURNEY_SECONDS ?? 3);

interface Case {
  name: string;
  app: App;
  kind: 'requests' | 'journeys';
  url?: string;
  cookie?: boolean;
  /** The status class every answer must have: a failing case is not a fast one. */
  expect?: '2xx' | '3xx';
}

interface Slice {
  count: number;
  seconds: number;
  cpuMicros: number;
  p50?: number;
  p99?: number;
  times?: number[];
}

async function measure(c: Case, seconds: number): Promise<Slice> {
  const before = cpuMicros(c.app.pid);
  const started = performance.now();
  if (c.kind === 'journeys') {
    const times = await journeys(c.app.origin, c.app.user, seconds, concurrency);
    return { count: times.length, seconds: (performance.now() - started) / 1000, cpuMicros: cpuMicros(c.app.pid) - before, times };
  }
  const headers = c.cookie ? { cookie: c.app.cookie } : {};
  const result = await autocannon({ url: c.url!, connections, duration: seconds, headers });
  const cpu = cpuMicros(c.app.pid) - before;
  const wrong = result.requests.total - result[c.expect!];
  if (result.errors || result.timeouts || wrong > connections) throw new Error(`${c.app.label} ${c.name}: ${result.errors} errors, ${result.timeouts} timeouts, ${wrong} answers not ${c.expect}`);
  return { count: result.requests.total, seconds: result.duration, cpuMicros: cpu, p50: result.latency.p50, p99: result.latency.p99 };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]!;
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

const loadBefore = loadavg();
if (process.env.BENCH_PROFILE) {
  await profileThisApp(process.env.BENCH_PROFILE, quick);
  process.exit(0);
}

const stack = await startApps({ compiled: process.argv.includes('--compiled'), baseline: process.env.BENCH_BASELINE, ports: () => freePort() });
try {
  const { ceiling, floors, apps } = stack;
  const [ours] = apps;
  const cases: Case[] = [{ name: 'ceiling', app: ceiling, kind: 'requests', url: ceiling.origin + '/', expect: '2xx' }];
  // The least any version of this app could cost inside the order's stack (bench/peers/floor.ts).
  for (const floor of floors) {
    cases.push(
      { name: 'signed out', app: floor, kind: 'requests', url: `${floor.origin}/`, expect: '2xx' },
      { name: 'signed in', app: floor, kind: 'requests', url: `${floor.origin}/`, cookie: true, expect: '2xx' },
      { name: '/signin', app: floor, kind: 'requests', url: `${floor.origin}/signin`, expect: '3xx' },
      ...(floor.journeys ? [{ name: 'journeys', app: floor, kind: 'journeys' } as const] : []),
    );
  }
  for (const app of apps) {
    cases.push(
      { name: 'signed out', app, kind: 'requests', url: `${app.origin}/`, expect: '2xx' },
      { name: 'signed in', app, kind: 'requests', url: `${app.origin}/`, cookie: true, expect: '2xx' },
      { name: '/signin', app, kind: 'requests', url: `${app.origin}/signin`, expect: '3xx' },
      { name: 'journeys', app, kind: 'journeys' },
    );
  }
  // The web API called with the person's cached access token (the sample API, in the emulator's process).
  cases.push({ name: '/api', app: ours!, kind: 'requests', url: `${ours!.origin}/api`, cookie: true, expect: '2xx' });
  // BENCH_ONLY=journeys,/signin: those cases alone (and the ceiling), for a quicker side-by-side look.
  const only = process.env.BENCH_ONLY?.split(',');
  if (only) cases.splice(1, cases.length, ...cases.filter((c, i) => i > 0 && only.includes(c.name)));

  // Warm-up, unmeasured: the JIT's optimised code, connections, caches, discovery, as a server that
  // has run a while has them (this app's CPU per journey is ~1.5 × higher in its first minute).
  for (const c of cases) await measure(c, quick ? 1 : c.kind === 'journeys' ? 15 : 3);
  const slices = new Map<Case, Slice[]>(cases.map((c) => [c, []]));
  const ratios = new Map<Case, number[]>(cases.map((c) => [c, []]));
  for (let round = 0; round < rounds; round += 1) {
    const results = new Map<Case, Slice>();
    for (let i = 0; i < cases.length; i += 1) {
      const c = cases[(i + round) % cases.length]!;
      results.set(c, await measure(c, c.kind === 'journeys' ? journeySeconds : 1));
    }
    const rate = (c: Case) => results.get(c)!.count / results.get(c)!.seconds;
    for (const c of cases) {
      slices.get(c)!.push(results.get(c)!);
      ratios.get(c)!.push(rate(c) / rate(cases[0]!));
    }
  }
  const figures = (c: Case) => {
    const s = slices.get(c)!;
    const count = sum(s.map((x) => x.count));
    const rs = ratios.get(c)!;
    const times = s.flatMap((x) => x.times ?? []);
    return {
      rate: count / sum(s.map((x) => x.seconds)),
      cpuMicros: sum(s.map((x) => x.cpuMicros)) / count,
      count,
      ...(c.kind === 'journeys' ? latency(times) : { p50: median(s.map((x) => x.p50!)), p99: median(s.map((x) => x.p99!)) }),
      spread: rounds > 1 ? `${Math.min(...rs).toFixed(2)}–${Math.max(...rs).toFixed(2)} ×` : undefined,
    };
  };
  const of = (app: App, name: string) => {
    const c = cases.find((x) => x.app === app && x.name === name);
    return c && figures(c);
  };
  const bare = figures(cases[0]!);
  const memory = await ours!.child.call<{ idle: number; viewed: number }>('memory', { count: quick ? 1_000 : 10_000 });

  const TARGETS = { 'signed out': 0.6, 'signed in': 0.5, '/signin': 0.3 } as const;
  const rows: Row[] = [{ name: 'bare Koa, constant signed-out page (ceiling)', app: '', value: bare.rate, unit: 'req/s', ratio: 1, cpu: bare.cpuMicros, latency: [bare.p50, bare.p99] }];
  for (const name of ['signed out', 'signed in', '/signin'] as const) {
    for (const app of [...apps, ...floors]) {
      const f = of(app, name);
      if (!f) continue;
      rows.push({
        name: name === '/signin' ? 'GET /signin' : `GET / ${name}`,
        app: app.label,
        value: f.rate,
        unit: 'req/s',
        ratio: f.rate / bare.rate,
        cpu: f.cpuMicros,
        latency: [f.p50, f.p99],
        ...(app === ours ? { target: target(f.rate / bare.rate >= TARGETS[name], `>= ${TARGETS[name]} × ceiling`), note: f.spread && `per round ${f.spread}` } : floors.includes(app) ? { note: `per round ${f.spread ?? '-'}; no version of this app can cost less (its target: ${TARGETS[name]} ×)` } : { note: app.notes?.[name] }),
      });
    }
  }
  const api = of(ours!, '/api');
  if (api) rows.push({ name: 'GET /api signed in (cached access token, the API called)', app: ours!.label, value: api.rate, unit: 'req/s', ratio: api.rate / bare.rate, cpu: api.cpuMicros, latency: [api.p50, api.p99] });
  const peerBest = Math.min(...apps.filter((app) => app !== ours && !app.self).map((app) => (of(app, 'journeys')?.cpuMicros ?? Infinity) / 1000));
  for (const app of [...apps, ...floors]) {
    const f = of(app, 'journeys');
    if (!f) continue;
    const ms = f.cpuMicros / 1000;
    const figures = `${f.rate.toFixed(1)} journeys/s, p50 ${f.p50.toFixed(0)} ms, p99 ${f.p99.toFixed(0)} ms, ${f.count} journeys`;
    rows.push({
      name: 'sign-in journey, app CPU per journey',
      app: app.label,
      value: ms,
      unit: 'ms',
      note: floors.includes(app) ? `${figures}; the redemption with MSAL, the ID token checked with jose, no statechart: no version of this app can cost less (its target: 3 ms)` : figures,
      ...(app === ours ? { target: target(ms <= 3 && ms < peerBest, `<= 3 ms: ${ms <= 3 ? 'met' : 'missed'}; below every peer's: ${ms < peerBest ? 'met' : 'missed'}`) } : {}),
    });
  }
  rows.push(
    { name: 'memory per idle signed-in session', app: ours!.label, value: memory.idle, unit: 'bytes', target: target(memory.idle <= 1024, '<= 1024 bytes') },
    { name: 'memory per signed-in session once viewed', app: ours!.label, value: memory.viewed, unit: 'bytes', note: 'kept as an object, with its restored snapshot' },
  );
  for (const app of apps) {
    rows.push({ name: 'session cookie sent by the browser', app: app.label, value: app.cookie.length, unit: 'bytes', ...(app === ours ? { target: target(app.cookie.length <= 120, '<= 120 bytes') } : { note: app.cookieNote }) });
  }
  // tsx against compiled code at start-up (with --compiled), after the measured run.
  const startup = stack.compiledDir
    ? (await startupTimes(stack.compiledDir, stack.emulator, () => freePort(), quick ? 1 : 5)).map(
        (s) => `start-up, ${s.name}: listening after ${s.listeningMs.toFixed(0)} ms${Number.isNaN(s.cpuMs) ? '' : ` (${s.cpuMs.toFixed(0)} ms CPU)`}, first /signin answered after ${s.firstSigninMs.toFixed(0)} ms`,
      )
    : [];
  report(rows, {
    extra: startup,
    quick: quick || only !== undefined,
    rounds,
    connections,
    concurrency,
    journeySeconds,
    machine: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}`,
    load: `load average before the run ${loadBefore.map((x) => x.toFixed(2)).join(', ')}, after ${loadavg().map((x) => x.toFixed(2)).join(', ')}`,
  });
} finally {
  await stack.stop();
}
