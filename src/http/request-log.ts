// One log record per request: what an operator needs (request id, route, machine transition,
// status, duration), and nothing a person would not want shipped: no query string, no cookie, no claim.
import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Logger } from '../log.ts';

/** An id a proxy may hand us: short, and nothing that could split a header or a log line. */
const SANE_REQUEST_ID = /^[\w.:@/+=-]{1,128}$/;

/** `trustProxy`: keep the X-Request-Id a trusted proxy sent, so one id follows the request through
 *  both logs; anyone else's is replaced (a client could otherwise forge or collide ids). */
export function requestLog(log: Logger, { trustProxy }: { trustProxy: boolean }): Middleware {
  return async (ctx, next) => {
    const started = performance.now();
    let id: string | undefined;
    if (trustProxy) {
      const incoming = ctx.get('X-Request-Id');
      if (SANE_REQUEST_ID.test(incoming)) id = incoming;
    }
    id ??= randomUUID();
    ctx.res.setHeader('X-Request-Id', id);
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
