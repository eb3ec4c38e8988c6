// `npm run bench`: the app against a bare Koa server returning the same signed-out page (the
// ceiling), in one run on one machine, on loopback. Prints each figure and its ratio to the
// ceiling, checks the targets, and writes docs/BENCHMARKS.md. `--quick` runs ~1 s per case.
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import autocannon from 'autocannon';
import { startCeiling, startBenchStack, signIn } from './servers.ts';
import { journeys, sessionMemory } from './journeys.ts';

const quick = process.argv.includes('--quick');
const seconds = quick ? 1 : 8;
const connections = 16;

interface Row {
  name: string;
  value: number;
  unit: string;
  ratio?: number;
  target?: { op: '>=' | '<='; value: number; of: 'ceiling' | 'absolute' };
  note?: string;
}

async function load(url: string, headers: Record<string, string> = {}) {
  // One worker thread generates load, so the server keeps the main thread to itself.
  const result = await autocannon({ url, connections, duration: seconds, headers, workers: 1 });
  if (result.errors || result.timeouts) throw new Error(`${url}: ${result.errors} errors, ${result.timeouts} timeouts`);
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, statuses: result };
}

const ceiling = await startCeiling();
const stack = await startBenchStack();
try {
  const page = await (await fetch(`${stack.appOrigin}/`)).text();
  ceiling.serve(page);
  const cookie = await signIn(stack);

  const bare = await load(ceiling.url);
  const signedOut = await load(`${stack.appOrigin}/`);
  const signedIn = await load(`${stack.appOrigin}/`, { cookie });
  const signin = await load(`${stack.appOrigin}/signin`);
  const journey = await journeys(stack, seconds);
  const memory = await sessionMemory(stack, 10_000);

  const rows: Row[] = [
    { name: 'bare Koa, constant signed-out page (ceiling)', value: bare.rps, unit: 'req/s', ratio: 1 },
    { name: 'GET / signed out', value: signedOut.rps, unit: 'req/s', ratio: signedOut.rps / bare.rps, target: { op: '>=', value: 0.5, of: 'ceiling' } },
    { name: 'GET / signed in', value: signedIn.rps, unit: 'req/s', ratio: signedIn.rps / bare.rps, target: { op: '>=', value: 0.4, of: 'ceiling' } },
    { name: 'GET /signin (fresh state, nonce, PKCE)', value: signin.rps, unit: 'req/s', ratio: signin.rps / bare.rps, target: { op: '>=', value: 0.3, of: 'ceiling' } },
    { name: 'sign-in journey against the emulator', value: journey.perSecond, unit: 'journeys/s', note: `p50 ${journey.p50.toFixed(0)} ms, p99 ${journey.p99.toFixed(0)} ms, ${journey.count} journeys` },
    { name: 'memory per idle signed-in session', value: memory.bytesPerSession, unit: 'bytes', target: { op: '<=', value: 2048, of: 'absolute' } },
    { name: 'session cookie sent by the browser', value: cookie.length, unit: 'bytes', target: { op: '<=', value: 200, of: 'absolute' } },
  ];
  const latencies = `latency p50/p99 (ms): ceiling ${bare.p50}/${bare.p99}, signed out ${signedOut.p50}/${signedOut.p99}, signed in ${signedIn.p50}/${signedIn.p99}, /signin ${signin.p50}/${signin.p99}`;
  report(rows, latencies);
} finally {
  await stack.close();
  await ceiling.close();
}

function verdict(row: Row): string {
  if (!row.target) return '';
  const measured = row.target.of === 'ceiling' ? row.ratio! : row.value;
  const met = row.target.op === '>=' ? measured >= row.target.value : measured <= row.target.value;
  const goal = `${row.target.op} ${row.target.value}${row.target.of === 'ceiling' ? ' × ceiling' : ` ${row.unit}`}`;
  return `${met ? 'met' : 'MISSED'} (target ${goal})`;
}

function report(rows: Row[], latencies: string) {
  const format = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en') : n.toFixed(1));
  const lines = rows.map((row) =>
    [row.name, `${format(row.value)} ${row.unit}`, row.ratio === undefined ? '' : `${row.ratio.toFixed(2)} ×`, verdict(row), row.note ?? ''],
  );
  for (const line of lines) console.log(line.filter(Boolean).join('  |  '));
  console.log(latencies);

  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${process.platform}`;
  const markdown = [
    '# Benchmarks',
    '',
    `Measured by \`npm run bench\`${quick ? ' --quick (about 1 s per case: indicative only)' : ` (${seconds} s per case, ${connections} connections)`} on ${new Date().toISOString().slice(0, 10)}:`,
    `${machine}. Load from autocannon in a worker thread on loopback; the app, the emulator and the ceiling share the process.`,
    '',
    '| case | figure | ratio to ceiling | target |',
    '| --- | --- | --- | --- |',
    ...lines.map(([name, value, ratio, target, note]) => `| ${name} | ${value}${note ? ` (${note})` : ''} | ${ratio} | ${target} |`),
    '',
    latencies,
    '',
  ].join('\n');
  if (!quick) writeFileSync(new URL('../docs/BENCHMARKS.md', import.meta.url), markdown);
}
