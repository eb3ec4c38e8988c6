// One log line per request: what an operator needs (route, machine transition, status, duration),
// and nothing a person would not want shipped: no query string, no cookie, no claim.
import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Logger } from '../log.ts';

export function requestLog(log: Logger): Middleware {
  return async (ctx, next) => {
    const started = performance.now();
    const id = randomUUID();
    ctx.set('X-Request-Id', id);
    try {
      await next();
    } finally {
      log.info({
        msg: 'request',
        id,
        method: ctx.method,
        route: ctx.path,
        status: ctx.status,
        ms: Math.round((performance.now() - started) * 10) / 10,
        ...(ctx.state.transition ? { transition: ctx.state.transition } : {}),
      });
    }
  };
}
