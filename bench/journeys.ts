// The figures autocannon cannot take: whole sign-in journeys (browser, app and emulator pages)
// and the memory that idle sessions hold.
import { Browser } from '../test/support/browser.ts';
import { MemoryStore } from '../src/session/store.ts';
import { signIn, type BenchStack } from './servers.ts';

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

/** Heap held per idle signed-in session: `count` copies of a real one in a fresh store. */
export async function sessionMemory(stack: BenchStack, count: number) {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc (npm run bench does)');
  const cookie = await signIn(stack);
  const key = /b2c\.sid=([^;]+)/.exec(cookie)?.[1];
  const session = await stack.store.get(key!);
  if (!session) throw new Error('the signed-in session is not in the store');

  const store = new MemoryStore();
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < count; i += 1) await store.set(`${key}-${i}`, session, 30 * 60 * 1000);
  gc();
  const bytesPerSession = (process.memoryUsage().heapUsed - before) / count;
  await store.close();
  return { bytesPerSession };
}
