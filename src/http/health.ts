// Probes for load balancers and orchestrators, answered before any session or machine work:
// /healthz says the process is alive, /readyz that the identity provider's metadata and the session
// store can be reached. Polled every few seconds, so a success is not logged; a 503 is.
import type { Context, Middleware } from 'koa';
import type { Logger } from '../log.ts';
import { within } from '../within.ts';

export interface Dependency {
  /** What the 503 names, for the operator reading it. */
  name: string;
  /** Resolves when the dependency answers; rejects (or never settles) when it does not. */
  check(): Promise<void>;
}

export function health({ dependencies, timeoutMs, log }: { dependencies: Dependency[]; timeoutMs: number; log: Logger }): Middleware {
  async function readyz(ctx: Context): Promise<void> {
    const results = await Promise.all(dependencies.map(({ name, check }) => checked(name, check, timeoutMs)));
    const failed = results.filter((result) => result !== null);
    if (failed.length === 0) return answer(ctx, 200, 'ready');
    log.warn({ msg: 'not ready', failed: failed.map(({ name, error }) => ({ dependency: name, ...reason(error) })) });
    answer(ctx, 503, `not ready: ${failed.map(({ name }) => name).join(', ')}`);
  }
  // Not async: every other request passes straight through, without a promise of its own.
  return (ctx, next) => {
    if (ctx.path === '/healthz') return Promise.resolve(answer(ctx, 200, 'ok'));
    return ctx.path === '/readyz' ? readyz(ctx) : next();
  };
}

/** Null when the check answered in time; otherwise what failed. A probe never hangs. */
async function checked(name: string, check: () => Promise<void>, ms: number): Promise<{ name: string; error: unknown } | null> {
  const outcome = await within(ms, Promise.resolve().then(check));
  if (outcome === undefined) return { name, error: Object.assign(new Error(`no answer within ${ms} ms`), { name: 'TimeoutError' }) };
  return 'error' in outcome ? { name, error: outcome.error } : null;
}

/** What failed, for the operator: the error's name, code and message, with any credentials in a
 *  URL (redis://user:password@host) cut out. */
function reason(error: unknown) {
  const { name, code, message } = error as Error & { code?: unknown };
  return { error: name, ...(code === undefined ? {} : { code }), detail: String(message).replace(/\/\/[^/@\s]*@/g, '//[redacted]@') };
}

function answer(ctx: Context, status: number, text: string) {
  ctx.status = status;
  ctx.type = 'text/plain';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = `${text}\n`;
}
