// `npm run flood` (issue #20): anonymous floods against the app, as an attacker would send them,
// and what they leave behind. For each store (memory, then Redis), N cookieless requests to each of
// GET /signin, /password, /profile and a forged callback, from one client (autocannon); prints the
// app's resident memory before and after each flood (full GCs first), the Redis keys added, and
// whether a real person's sign-in journey, run during the /signin flood, completed.
//
// The app runs alone in a child process (bench/flood-app.ts), so that its RSS is its own; the
// https emulator in another (bench/emulator.ts); Redis is started here on a free loopback port.
// FLOOD_REQUESTS (default 1,000,000): the /signin flood; FLOOD_OTHER_REQUESTS (default the same):
// each other route's. Exits non-zero only when it could not run; figures are printed, not judged.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { EventEmitter } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon, { type Options, type Result } from 'autocannon';
import { Redis } from 'ioredis';
import type { DemoUser } from '../src/emulator/index.ts';
import { hashedKey } from '../src/session/redis.ts';
import { Browser } from '../test/support/browser.ts';
import { freePort } from '../test/support/ports.ts';
import type { FloodAppSettings, Memory } from './flood-app.ts';
import { forkChild, startEmulatorProcess, trustCa, type Child } from './servers.ts';

const count = (name: string, fallback: number) => {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw.replaceAll(/[,_]/g, ''));
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number above 0 (got "${raw}")`);
  return value;
};
const signinRequests = count('FLOOD_REQUESTS', 1_000_000);
const otherRequests = count('FLOOD_OTHER_REQUESTS', signinRequests);
const connections = 20;
const warmUpRequests = Math.min(1000, signinRequests);
const BOUND_MB = 50;
const REDIS_SERVER = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';

const MB = 1024 * 1024;
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const mb = (bytes: number) => `${fmt(bytes / MB, 1)} MB`;

// Whatever was started is stopped however this process ends: redis-server killed; the forked
// children leave by themselves when this process disconnects from them, and are asked to here.
const children = new Set<ChildProcess>();
const stopping = new Set<Child>();
const cleanups: (() => void)[] = [];
process.on('exit', () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const cleanup of cleanups) cleanup();
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => void Promise.allSettled([...stopping].map((child) => child.stop())).finally(() => process.exit(130)));
}

const exited = (child: ChildProcess) => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));

interface RedisServer {
  url: string;
  client: Redis;
  close(): Promise<void>;
}

/** redis-server on a free loopback port, nothing persisted; or why it could not be started. */
async function startRedis(): Promise<RedisServer | string> {
  if (!existsSync(REDIS_SERVER)) return `${REDIS_SERVER} not found (apt-get install redis-server)`;
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'b2c-flood-redis-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const server = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(server);
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const read = (chunk: Buffer) => {
      output += chunk;
      if (output.includes('Ready to accept connections')) resolve();
    };
    server.stdout!.on('data', read);
    server.stderr!.on('data', read);
    server.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${output.slice(-300)}`)));
  });
  const url = `redis://127.0.0.1:${port}`;
  const client = new Redis(url);
  return {
    url,
    client,
    async close() {
      client.disconnect();
      server.kill('SIGTERM');
      await exited(server);
    },
  };
}

interface Stack {
  appOrigin: string;
  demoUser: DemoUser;
  measure(): Promise<Memory>;
  close(): Promise<void>;
}

/** The app (its own process, run with --expose-gc) and the https emulator it signs in with
 *  (another, bench/emulator.ts as the benchmark starts it). */
async function startStack(store: string | undefined): Promise<Stack> {
  const port = await freePort();
  const appOrigin = `http://localhost:${port}`;
  const client = { clientId: 'flood-app', clientSecret: 'flood-app-secret' };
  const emulatorProcess = startEmulatorProcess([{ ...client, origin: appOrigin }]);
  const emulator = await emulatorProcess.ready;
  // The journey's browser (this process's fetch) trusts the emulator's CA; the app through
  // NODE_EXTRA_CA_CERTS, as a team would run it.
  await trustCa(emulator.caCertPath);
  const settings: FloodAppSettings = { port, ...client, emulator, ...(store ? { store } : {}) };
  const app = forkChild('app', fileURLToPath(new URL('./flood-app.ts', import.meta.url)), [JSON.stringify(settings)], {
    execArgv: ['--expose-gc', '--import', 'tsx'],
    env: { NODE_EXTRA_CA_CERTS: emulator.caCertPath },
  });
  stopping.add(app);
  stopping.add(emulatorProcess);
  await app.ready;
  return {
    appOrigin,
    demoUser: emulator.demoUser,
    measure: () => app.call<Memory>('measure'),
    async close() {
      await Promise.all([app.stop(), emulatorProcess.stop()]);
      stopping.delete(app);
      stopping.delete(emulatorProcess);
    },
  };
}

interface Journey {
  ms: number;
  /** The Redis keys a completed sign-in writes: its session and its transaction's spent mark. */
  keys: string[];
}

/** A person signing in with the emulator's demo user, in a browser of their own. */
async function journey(stack: Stack): Promise<Journey> {
  const started = performance.now();
  const browser = new Browser();
  const first = await browser.get(`${stack.appOrigin}/signin`);
  const state = first.redirects.map((url) => new URL(url).searchParams.get('state')).find((s) => s !== null);
  await browser.submit('#next', { signInName: stack.demoUser.email, password: stack.demoUser.password });
  if (!browser.text().includes(`Hi ${stack.demoUser.givenName}`)) throw new Error(`no greeting at the end (${browser.status} ${browser.url})`);
  const ms = performance.now() - started;
  const sid = browser.jar.matching(new URL(stack.appOrigin)).find((cookie) => cookie.name === 'b2c.sid')?.value;
  const keys = [...(sid ? [hashedKey('b2c:session:', sid)] : []), ...(state ? [hashedKey('b2c:spent:', state)] : [])];
  return { ms, keys };
}

interface Route {
  name: string;
  request: Pick<Options, 'url' | 'requests'>;
  amount: number;
  /** The /signin flood: a person signs in while it runs. */
  withJourney?: boolean;
}

function routes(appOrigin: string): Route[] {
  // Each forged callback a state and code of its own, as a guessing attacker's would be.
  const forged = { setupRequest: (request: object) => ({ ...request, path: `/redirect?state=${randomBytes(16).toString('base64url')}&code=${randomBytes(24).toString('base64url')}` }) };
  return [
    { name: 'GET /signin', request: { url: `${appOrigin}/signin` }, amount: signinRequests, withJourney: true },
    { name: 'GET /password signed out', request: { url: `${appOrigin}/password` }, amount: otherRequests },
    { name: 'GET /profile signed out', request: { url: `${appOrigin}/profile` }, amount: otherRequests },
    { name: 'GET /redirect forged state+code', request: { url: appOrigin, requests: [forged] }, amount: otherRequests },
  ];
}

/** `amount` cookieless requests (autocannon keeps no cookies), and the journey if asked, started
 *  once a tenth of them have been answered. */
async function flood(stack: Stack, route: Route, amount: number) {
  // sampleInt: autocannon notices that `amount` is reached only at a sample tick (1 s by default).
  const run = autocannon({ ...route.request, connections: Math.min(connections, amount), amount, timeout: 30, sampleInt: 100 }) as unknown as Promise<Result> & EventEmitter;
  let outcome: Promise<{ journey: Journey; duringFlood: boolean } | { error: string }> | undefined;
  let done = false;
  if (route.withJourney) {
    let answered = 0;
    const onResponse = () => {
      if (++answered < Math.max(1, amount / 10)) return;
      run.off('response', onResponse);
      outcome = journey(stack).then(
        (journey) => ({ journey, duringFlood: !done }),
        (error: Error) => ({ error: error.message }),
      );
    };
    run.on('response', onResponse);
  }
  const result = await run;
  done = true;
  return { result, journey: await outcome };
}

const prefixes = (keys: string[]) => {
  const by = new Map<string, number>();
  for (const key of keys) {
    const prefix = /^(.*:)/.exec(key)?.[1] ?? '(none)';
    by.set(prefix, (by.get(prefix) ?? 0) + 1);
  }
  return [...by].map(([prefix, n]) => `${prefix} ×${fmt(n)}`).join(', ');
};

async function keysOf(redis: Redis): Promise<Set<string>> {
  const keys = new Set<string>();
  for await (const batch of redis.scanStream({ count: 1000 }) as AsyncIterable<string[]>) for (const key of batch) keys.add(key);
  return keys;
}

async function runMode(mode: 'memory' | 'redis'): Promise<void> {
  let redis: RedisServer | undefined;
  if (mode === 'redis') {
    const started = await startRedis();
    if (typeof started === 'string') {
      console.log(`\n## SESSION_STORE=redis://: skipped: ${started}`);
      return;
    }
    redis = started;
  }
  const began = performance.now();
  const stack = await startStack(redis?.url);
  try {
    console.log(`\n## ${redis ? `SESSION_STORE=${redis.url}` : 'memory store (SESSION_STORE unset)'}`);
    const up = performance.now();
    // Warm-up: every route's code loaded and compiled, one sign-in made (its token cache written),
    // before the figures' starting point.
    for (const route of routes(stack.appOrigin)) await flood(stack, { ...route, withJourney: false }, warmUpRequests);
    await journey(stack);
    const start = await stack.measure();
    console.log(`app and emulator started in ${fmt((up - began) / 1000, 1)} s; after warm-up (${fmt(warmUpRequests)} requests per route, one sign-in) and GC: RSS ${mb(start.rss)}, heap used ${mb(start.heapUsed)}`);
    console.log(`\n| route | requests answered | req/s | status codes | errors | RSS before | RSS after | Δ RSS | ≤ ${BOUND_MB} MB |${redis ? ' Redis keys (DBSIZE) before → after | anonymous keys added |' : ''}`);
    console.log(`| --- | --- | --- | --- | --- | --- | --- | --- | --- |${redis ? ' --- | --- |' : ''}`);
    const journeyLines: string[] = [];
    let end = start;
    for (const route of routes(stack.appOrigin)) {
      const keysBefore = redis ? await keysOf(redis.client) : undefined;
      const before = await stack.measure();
      const { result, journey } = await flood(stack, route, route.amount);
      const after = await stack.measure();
      end = after;
      const codes = Object.entries(result.statusCodeStats ?? {}).map(([code, { count: n = 0 }]) => `${code} ×${fmt(n)}`).join(', ');
      const delta = after.rss - before.rss;
      let row = `| ${route.name} | ${fmt(result.requests.total)} of ${fmt(route.amount)} | ${fmt(result.requests.total / result.duration)} | ${codes} | ${fmt(result.errors)} (timeouts ${fmt(result.timeouts)}) | ${mb(before.rss)} | ${mb(after.rss)} | ${delta >= 0 ? '+' : ''}${mb(delta)} | ${Math.abs(delta) <= BOUND_MB * MB ? 'PASS' : 'MISSED'} |`;
      if (redis && keysBefore) {
        const keysAfter = await keysOf(redis.client);
        const journeyKeys = new Set(journey && 'journey' in journey ? journey.journey.keys : []);
        const added = [...keysAfter].filter((key) => !keysBefore.has(key));
        const anonymous = added.filter((key) => !journeyKeys.has(key));
        // A sign-in also leaves a tombstone (`ended`, for 30 s) of the id koa-session had set aside
        // for the visitor and drops when it renews the id (src/http/session-writes.ts).
        if (journeyKeys.size > 0) {
          const values = await Promise.all(anonymous.slice(0, 1000).map((key) => redis!.client.get(key)));
          const tombstone = values.indexOf('ended');
          if (tombstone >= 0) anonymous.splice(tombstone, 1);
        }
        const own = added.length - anonymous.length;
        row += ` ${fmt(keysBefore.size)} → ${fmt(keysAfter.size)}${own ? ` (${own} the journey's)` : ''} | ${fmt(anonymous.length)}${anonymous.length ? ` (${prefixes(anonymous)})` : ''} ${anonymous.length === 0 ? 'PASS' : 'MISSED'} |`;
      }
      console.log(row);
      if (route.withJourney) {
        journeyLines.push(
          !journey
            ? `sign-in journey during the ${route.name} flood: not started (the flood ended first)`
            : 'error' in journey
              ? `sign-in journey during the ${route.name} flood: FAILED: ${journey.error}`
              : `sign-in journey during the ${route.name} flood: completed in ${fmt(journey.journey.ms)} ms (${journey.duringFlood ? 'the flood still running' : 'after the flood ended'}), greeting "Hi ${stack.demoUser.givenName}" seen`,
        );
      }
    }
    console.log('');
    for (const line of journeyLines) console.log(line);
    console.log(`whole run: RSS ${mb(start.rss)} → ${mb(end.rss)} (${end.rss >= start.rss ? '+' : ''}${mb(end.rss - start.rss)}), heap used ${mb(start.heapUsed)} → ${mb(end.heapUsed)}; highest RSS during the floods ${mb(end.peakRss)}; ${fmt((performance.now() - began) / 1000)} s in all`);
  } finally {
    await stack.close();
    await redis?.close();
  }
}

console.log(`# Anonymous floods (issue #20): ${fmt(signinRequests)} GET /signin, ${fmt(otherRequests)} each of /password, /profile (signed out) and forged callbacks`);
console.log(`one client: autocannon, ${connections} connections, no cookies (every request a new visitor); MB = 2^20 bytes; RSS of the app's own process after full GCs`);
const load = () => loadavg().map((n) => n.toFixed(2)).join(', ');
console.log(`machine: ${availableParallelism()} cores, Node ${process.version}; load average at start ${load()}`);
for (const mode of ['memory', 'redis'] as const) await runMode(mode);
console.log(`\nload average at the end ${load()}`);
process.exit(0);
