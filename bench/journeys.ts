// The figures autocannon cannot take: whole sign-in journeys (browser, app and emulator pages)
// and the memory that idle sessions hold.
import { Browser } from '../test/support/browser.ts';
import { MemoryStore } from '../src/session/store.ts';
import { CookieKeys } from '../src/http/cookie-keys.ts';
import { SESSION_SECRET, signIn, type BenchStack } from './servers.ts';

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

/** Sign-in journeys by `concurrency` browsers for `seconds`: journeys per second, p50 and p99. */
export async function journeys(stack: BenchStack, seconds: number, concurrency = 8) {
  const until = performance.now() + seconds * 1000;
  const times: number[] = [];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const started = performance.now();
        await signIn(stack);
        times.push(performance.now() - started);
      }
    }),
  );
  times.sort((a, b) => a - b);
  return { count: times.length, perSecond: times.length / seconds, p50: percentile(times, 50), p99: percentile(times, 99) };
}

/** Heap held per signed-in session in the app's store: `count` copies of a real one, idle (as
 *  written), then once each has been viewed (read, kept as an object with its restored snapshot). */
export async function sessionMemory(stack: BenchStack, count: number) {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc (npm run bench does)');
  const cookie = await signIn(stack);
  const key = /b2c\.sid=([^;]+)/.exec(cookie)?.[1];
  const session = await stack.store.get(key!);
  if (!session) throw new Error('the signed-in session is not in the store');

  const keys = new CookieKeys([SESSION_SECRET]);
  const ids = Array.from({ length: count }, (_, i) => `${key}-${i}`);
  gc();
  const before = process.memoryUsage().heapUsed;
  // MemoryStore's own set: BenchStore's would also remember every key.
  // Each copy a new session (version 0), as a sign-in writes it.
  const copy = { ...(session as object), version: 0 };
  for (const id of ids) await MemoryStore.prototype.set.call(stack.store, id, copy, 30 * 60 * 1000);
  gc();
  const idle = (process.memoryUsage().heapUsed - before) / count;

  const queue = [...ids];
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let id = queue.pop(); id !== undefined; id = queue.pop()) {
        const signed = `b2c.sid=${id}`;
        const response = await fetch(`${stack.appOrigin}/`, { headers: { cookie: `${signed}; b2c.sid.sig=${keys.sign(signed)}` } });
        const page = await response.text();
        if (!page.includes(`Hi ${stack.demoUser.givenName}`)) throw new Error(`a copied session was not signed in (${response.status})`);
      }
    }),
  );
  gc();
  const viewed = (process.memoryUsage().heapUsed - before) / count;
  for (const id of ids) await stack.store.destroy(id);
  return { idle, viewed };
}
