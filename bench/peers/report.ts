// The benchmark's table: printed row by row (what the smoke test reads) and, after a full run,
// written to docs/BENCHMARKS.md with the machine and its load.
import { writeFileSync } from 'node:fs';

export interface Row {
  name: string;
  /** Which app the figure is of ('' for the ceiling). */
  app: string;
  value: number;
  unit: string;
  ratio?: number;
  /** The server process's CPU time per request (µs). */
  cpu?: number;
  /** p50 and p99 (ms). */
  latency?: [number, number];
  target?: string;
  note?: string;
}

/** "met" or "MISSED", with the target it was measured against. */
export const target = (met: boolean, goal: string) => `${met ? 'met' : 'MISSED'} (target ${goal})`;

export interface RunInfo {
  quick: boolean;
  rounds: number;
  connections: number;
  concurrency: number;
  journeySeconds: number;
  machine: string;
  load: string;
  /** Lines printed after the table (and written below it). */
  extra: string[];
}

const format = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en') : n.toFixed(1));

function cells(row: Row): string[] {
  return [
    row.name,
    row.app,
    `${format(row.value)} ${row.unit}`,
    row.ratio === undefined ? '' : `${row.ratio.toFixed(2)} ×`,
    row.cpu === undefined ? '' : `${row.cpu.toFixed(0)} µs CPU/request`,
    row.latency ? `p50/p99 ${row.latency[0]}/${row.latency[1]} ms` : '',
    row.target ?? '',
    row.note ?? '',
  ];
}

export function report(rows: Row[], run: RunInfo): void {
  for (const row of rows) console.log(cells(row).filter(Boolean).join('  |  '));
  for (const line of run.extra) console.log(line);
  console.log(run.load);
  if (run.quick) return;

  const markdown = [
    '# Benchmarks',
    '',
    `Measured by \`npm run bench\` (${run.rounds} rounds: 1 s slices of ${run.connections} autocannon connections per request case, ${run.journeySeconds} s slices of ${run.concurrency} concurrent sign-in journeys) on ${new Date().toISOString().slice(0, 10)}:`,
    `${run.machine}; ${run.load}.`,
    '',
    "Three apps side by side, against one B2C emulator over https in a process of its own (the real B2C is remote): this app; the tutorial's Express app (`test/fixtures/tutorial-app`, MSAL with express-session, as Microsoft's tutorial builds it); and an Express app on auth0's `express-openid-connect` configured for the same user flow and scopes (`bench/peers/express-oidc.ts`). The ceiling is a bare Koa server answering this app's signed-out page as a constant. The two floors (`bench/peers/floor.ts`) are what no version of this app can cost less than inside the order's stack: Koa, koa-session (a signed cookie over a Map) and @koa/router answering the same constant page, a greeting read from the session, and a /signin that does the least a correct one must (fresh state, nonce and PKCE, the transaction sealed into a cookie); the second adds the security headers and the request log line every answer of the app carries, and signs people in with the least a correct sign-in does (`bench/peers/floor-journey.ts`: the transaction opened and its state checked, the code redeemed by msal-node with the app's own transport, the ID token checked with jose, MSAL's token cache kept, the session written; no statechart). Each server runs in a process of its own, and its CPU time (every thread, user and system, as the scheduler counts it in `/proc/<pid>/task/*/schedstat`) is read around each slice: *server CPU per request* and *app CPU per journey* are that process's own. This app logs every request as in production (to /dev/null); the tutorial's app logs MSAL's verbose output as the tutorial configures it (to /dev/null). The load comes from this process: autocannon for single requests, scripted browsers (`test/support/browser.ts`) for journeys, each a fresh browser through `/signin`, B2C's sign-in page, the callback at `/redirect` and the greeting. After a warm-up per case (15 s of journeys, 3 s of requests: a server that has run a while has its code optimised), the cases are measured in slices interleaved round by round in a rotating order, so that anything else running on the machine weighs on all of them alike; a figure is its case's count over its slices' time, and a ratio is that of two such figures.",
    '',
    '| case | app | figure | ratio to ceiling | server CPU per request | latency p50/p99 | target |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map((row) => {
      const [name, app, value, ratio, cpu, latency, goal, note] = cells(row);
      return `| ${name} | ${app} | ${value}${note ? ` (${note})` : ''} | ${ratio} | ${cpu?.replace(' CPU/request', '')} | ${latency?.replace('p50/p99 ', '')} | ${goal} |`;
    }),
    '',
    ...run.extra.flatMap((line) => [line, '']),
    'Where the time of a sign-in journey goes, and what each cost the issue questioned comes to: [PERFORMANCE.md](PERFORMANCE.md).',
    '',
  ].join('\n');
  writeFileSync(new URL('../../docs/BENCHMARKS.md', import.meta.url), markdown);
}
