// The figures autocannon cannot take: whole sign-in journeys (a browser through the app's /signin,
// B2C's sign-in page and the app's /redirect to its greeting), and the memory idle sessions hold.
import type { DemoUser } from '../src/emulator/index.ts';
import { CookieKeys } from '../src/http/cookie-keys.ts';
import { MemoryStore } from '../src/session/store.ts';
import { Browser } from '../test/support/browser.ts';

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

/** One person signing in at `origin` (any of the apps: each has /signin, and greets by name); the
 *  Cookie header the browser then sends to the app. */
export async function signIn(origin: string, user: DemoUser): Promise<string> {
  const browser = new Browser();
  await browser.get(`${origin}/signin`);
  await browser.submit('#next', { signInName: user.email, password: user.password });
  if (!browser.url.startsWith(origin) || !browser.body.includes(`Hi ${user.givenName}`)) {
    throw new Error(`${origin}: the demo user could not sign in (${browser.status} at ${browser.url})`);
  }
  return browser.jar.header(new URL(origin), { crossSite: false, method: 'GET' });
}

/** Journeys by `concurrency` browsers, each starting new ones for `seconds`; the slice ends when
 *  the last one started has finished, so that the app's CPU time over it is all journeys'. */
export async function journeys(origin: string, user: DemoUser, seconds: number, concurrency: number): Promise<number[]> {
  const until = performance.now() + seconds * 1000;
  const times: number[] = [];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const started = performance.now();
        await signIn(origin, user);
        times.push(performance.now() - started);
      }
    }),
  );
  return times;
}

export function latency(times: number[]): { p50: number; p99: number } {
  const sorted = [...times].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

/** Heap held per signed-in session in the app's store: `count` copies of a real one, idle (as
 *  written), then once each has been viewed (read, kept as an object with its restored snapshot).
 *  Runs in the app's process (bench/server.ts), which signs one person in for the copy. */
export async function sessionMemory(store: MemoryStore, origin: string, user: DemoUser, secret: string, count: number) {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc (the benchmark forks the app so)');
  const cookie = await signIn(origin, user);
  const key = /b2c\.sid=([^;]+)/.exec(cookie)?.[1];
  const session = await store.get(key!);
  if (!session) throw new Error('the signed-in session is not in the store');

  const keys = new CookieKeys([secret]);
  const ids = Array.from({ length: count }, (_, i) => `${key}-${i}`);
  gc();
  const before = process.memoryUsage().heapUsed;
  // Each copy a new session (version 0), as a sign-in writes it.
  const copy = { ...(session as object), version: 0 };
  for (const id of ids) await store.set(id, copy, 30 * 60 * 1000);
  gc();
  const idle = (process.memoryUsage().heapUsed - before) / count;

  const queue = [...ids];
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let id = queue.pop(); id !== undefined; id = queue.pop()) {
        const signed = `b2c.sid=${id}`;
        const response = await fetch(`${origin}/`, { headers: { cookie: `${signed}; b2c.sid.sig=${keys.sign(signed)}` } });
        const page = await response.text();
        if (!page.includes(`Hi ${user.givenName}`)) throw new Error(`a copied session was not signed in (${response.status})`);
      }
    }),
  );
  gc();
  const viewed = (process.memoryUsage().heapUsed - before) / count;
  for (const id of ids) await store.destroy(id);
  return { idle, viewed };
}
