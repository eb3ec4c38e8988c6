// `npm run bench`: the app against a bare Koa server returning the same signed-out page (the
// ceiling), in one run on one machine, on loopback. Prints each figure and its ratio to the
// ceiling, checks the targets, and writes docs/BENCHMARKS.md. `--quick` runs ~1 s per case.
//
// How: the ceiling and the app each run in a process of their own (the app's emulator in a third,
// as B2C is remote); this process only generates load (autocannon) and counts.
// The cases are measured in 1-second slices, interleaved round by round in a rotating order, so
// that whatever else the machine does in the meantime weighs on all of them alike. Each slice also
// reads the server process's CPU time, all threads, so the cost per request is known too.
import { fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import type { Command, Ready } from './server.ts';

const quick = process.argv.includes('--quick');
const rounds = quick ? 1 : 8; // seconds per case
const sliceSeconds = 1;
const connections = 16;

interface Server {
  ready: Promise<Ready>;
  call<T>(command: Command): Promise<T>;
}

function startServer(role: 'ceiling' | 'app'): Server {
  const child = fork(fileURLToPath(new URL('./server.ts', import.meta.url)), [role], {
    // As `npm start` runs the app (tsx); --expose-gc for the memory figure, in both alike.
    execArgv: ['--expose-gc', '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 0;
  const ready = new Promise<Ready>((resolve, reject) => {
    child.on('message', (message: { ready?: Ready; id?: number; result?: unknown; error?: string }) => {
      if (message.ready) return resolve(message.ready);
      const waiting = pending.get(message.id!);
      pending.delete(message.id!);
      if (message.error) waiting?.reject(new Error(`${role}: ${message.error}`));
      else waiting?.resolve(message.result);
    });
    child.once('exit', (code) => {
      const error = new Error(`the ${role} process exited (${code})`);
      reject(error);
      for (const waiting of pending.values()) waiting.reject(error);
    });
  });
  return {
    ready,
    call<T>(command: Command) {
      const id = nextId++;
      child.send({ id, ...command });
      return new Promise<T>((resolve, reject) => pending.set(id, { resolve: resolve as (value: unknown) => void, reject }));
    },
  };
}

interface Case {
  name: string;
  server: Server;
  url: string;
  headers?: Record<string, string>;
  /** Run after each slice: the /signin load leaves thousands of sessions behind. */
  after?: () => Promise<unknown>;
}

interface Slice {
  requests: number;
  seconds: number;
  cpuMicros: number;
  p50: number;
  p99: number;
}

async function measure(c: Case, seconds: number): Promise<Slice> {
  const before = await c.server.call<number>({ cmd: 'cpu' });
  const result = await autocannon({ url: c.url, connections, duration: seconds, headers: c.headers ?? {} });
  const after = await c.server.call<number>({ cmd: 'cpu' });
  await c.after?.();
  if (result.errors || result.timeouts) throw new Error(`${c.url}: ${result.errors} errors, ${result.timeouts} timeouts`);
  return { requests: result.requests.total, seconds: result.duration, cpuMicros: after - before, p50: result.latency.p50, p99: result.latency.p99 };
}

type Figures = { rps: number; cpu: number; p50: number; p99: number; spread: string };

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]!;

interface Row {
  name: string;
  value: number;
  unit: string;
  ratio?: number;
  target?: { op: '>=' | '<='; value: number; of: 'ceiling' | 'absolute' };
  note?: string;
}

const load = loadavg();
const ceilingServer = startServer('ceiling');
const appServer = startServer('app');
try {
  const [ceiling, app] = await Promise.all([ceilingServer.ready, appServer.ready]);
  await ceilingServer.call({ cmd: 'serve', page: app.page! });
  const forget = () => appServer.call({ cmd: 'forgetNewSessions' });
  const cases: Case[] = [
    { name: 'ceiling', server: ceilingServer, url: ceiling.url },
    { name: 'signed out', server: appServer, url: app.url },
    { name: 'signed in', server: appServer, url: app.url, headers: { cookie: app.cookie! } },
    { name: '/signin', server: appServer, url: `${app.url}signin`, after: forget },
    // The web API called with the person's cached access token (the sample API, in the emulator's process).
    { name: '/api', server: appServer, url: `${app.url}api`, headers: { cookie: app.cookie! } },
  ];

  for (const c of cases) await measure(c, 1); // warm-up: JIT, connections, caches
  const slices = new Map<Case, Slice[]>(cases.map((c) => [c, []]));
  const roundRatios = new Map<Case, number[]>(cases.map((c) => [c, []]));
  for (let round = 0; round < rounds; round += 1) {
    const results = new Map<Case, Slice>();
    for (let i = 0; i < cases.length; i += 1) {
      const c = cases[(i + round) % cases.length]!;
      results.set(c, await measure(c, sliceSeconds));
    }
    const rps = (c: Case) => results.get(c)!.requests / results.get(c)!.seconds;
    for (const c of cases) {
      slices.get(c)!.push(results.get(c)!);
      roundRatios.get(c)!.push(rps(c) / rps(cases[0]!));
    }
  }
  const figures = (c: Case) => {
    const s = slices.get(c)!;
    const requests = s.reduce((sum, x) => sum + x.requests, 0);
    const ratios = roundRatios.get(c)!;
    return {
      rps: requests / s.reduce((sum, x) => sum + x.seconds, 0),
      cpu: s.reduce((sum, x) => sum + x.cpuMicros, 0) / requests,
      p50: median(s.map((x) => x.p50)),
      p99: median(s.map((x) => x.p99)),
      spread: `${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}`,
    };
  };
  const [bare, signedOut, signedIn, signin, api] = cases.map(figures) as ReturnType<typeof figures>[] as [Figures, Figures, Figures, Figures, Figures];
  const journey = await appServer.call<{ count: number; perSecond: number; p50: number; p99: number }>({ cmd: 'journeys', seconds: rounds });
  const memory = await appServer.call<{ idle: number; viewed: number }>({ cmd: 'memory', count: 10_000 });
  const cookie = app.cookie!;

  const perRound = (f: Figures) => (rounds > 1 ? `per round ${f.spread} ×` : undefined);
  const rows: Row[] = [
    { name: 'bare Koa, constant signed-out page (ceiling)', value: bare.rps, unit: 'req/s', ratio: 1 },
    { name: 'GET / signed out', value: signedOut.rps, unit: 'req/s', ratio: signedOut.rps / bare.rps, target: { op: '>=', value: 0.5, of: 'ceiling' }, note: perRound(signedOut) },
    { name: 'GET / signed in', value: signedIn.rps, unit: 'req/s', ratio: signedIn.rps / bare.rps, target: { op: '>=', value: 0.4, of: 'ceiling' }, note: perRound(signedIn) },
    { name: 'GET /signin (fresh state, nonce, PKCE)', value: signin.rps, unit: 'req/s', ratio: signin.rps / bare.rps, target: { op: '>=', value: 0.3, of: 'ceiling' }, note: perRound(signin) },
    { name: 'GET /api signed in (cached access token, the API called)', value: api.rps, unit: 'req/s', ratio: api.rps / bare.rps, note: perRound(api) },
    { name: 'sign-in journey against the emulator', value: journey.perSecond, unit: 'journeys/s', note: `p50 ${journey.p50.toFixed(0)} ms, p99 ${journey.p99.toFixed(0)} ms, ${journey.count} journeys` },
    { name: 'memory per idle signed-in session', value: memory.idle, unit: 'bytes', target: { op: '<=', value: 2048, of: 'absolute' } },
    { name: 'memory per signed-in session once viewed', value: memory.viewed, unit: 'bytes', target: { op: '<=', value: 2048, of: 'absolute' }, note: 'kept as an object, with its restored snapshot' },
    { name: 'session cookie sent by the browser', value: cookie.length, unit: 'bytes', target: { op: '<=', value: 200, of: 'absolute' } },
  ];
  const latencies = `latency p50/p99 (ms, median of the slices): ceiling ${bare.p50}/${bare.p99}, signed out ${signedOut.p50}/${signedOut.p99}, signed in ${signedIn.p50}/${signedIn.p99}, /signin ${signin.p50}/${signin.p99}, /api ${api.p50}/${api.p99}`;
  const cpu = `server CPU per request (µs, all threads of its process): ceiling ${bare.cpu.toFixed(0)}, signed out ${signedOut.cpu.toFixed(0)}, signed in ${signedIn.cpu.toFixed(0)}, /signin ${signin.cpu.toFixed(0)}, /api ${api.cpu.toFixed(0)}`;
  report(rows, [latencies, cpu]);
} finally {
  await Promise.allSettled([ceilingServer.call({ cmd: 'close' }), appServer.call({ cmd: 'close' })]);
}

function verdict(row: Row): string {
  if (!row.target) return '';
  const measured = row.target.of === 'ceiling' ? row.ratio! : row.value;
  const met = row.target.op === '>=' ? measured >= row.target.value : measured <= row.target.value;
  const goal = `${row.target.op} ${row.target.value}${row.target.of === 'ceiling' ? ' × ceiling' : ` ${row.unit}`}`;
  return `${met ? 'met' : 'MISSED'} (target ${goal})`;
}

function report(rows: Row[], extra: string[]) {
  const format = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en') : n.toFixed(1));
  const lines = rows.map((row) =>
    [row.name, `${format(row.value)} ${row.unit}`, row.ratio === undefined ? '' : `${row.ratio.toFixed(2)} ×`, verdict(row), row.note ?? ''],
  );
  for (const line of lines) console.log(line.filter(Boolean).join('  |  '));
  for (const line of extra) console.log(line);
  const quiet = `load average before the run ${load.map((x) => x.toFixed(2)).join(', ')}`;
  console.log(quiet);

  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}`;
  const markdown = [
    '# Benchmarks',
    '',
    `Measured by \`npm run bench\`${quick ? ' --quick (about 1 s per case: indicative only)' : ` (${rounds} s per case, ${connections} connections)`} on ${new Date().toISOString().slice(0, 10)}:`,
    `${machine}; ${quiet}.`,
    '',
    `The ceiling and the app each run in a process of their own, and the B2C emulator the app signs in with in a third, as B2C is remote; the app logs every request as in production (to /dev/null). The load comes from autocannon on loopback in the benchmark's own process, which does nothing else. After a warm-up second per case, the cases are measured in 1-second slices, interleaved round by round in a rotating order, so that anything else running on the machine weighs on all of them alike; a figure is its case's requests over its slices' time, and the ratio is that of two such figures. The sessions made by the /signin load are dropped after each of its slices.`,
    '',
    '| case | figure | ratio to ceiling | target |',
    '| --- | --- | --- | --- |',
    ...lines.map(([name, value, ratio, target, note]) => `| ${name} | ${value}${note ? ` (${note})` : ''} | ${ratio} | ${target} |`),
    '',
    ...extra.flatMap((line) => [line, '']),
  ].join('\n');
  if (!quick) writeFileSync(new URL('../docs/BENCHMARKS.md', import.meta.url), markdown);
}
