// The few files the pages need, served from node_modules (no CDN), read once at start-up.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Middleware } from 'koa';

const require = createRequire(import.meta.url);

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

function asset(modulePath: string, type: string): Asset {
  const body = readFileSync(require.resolve(modulePath));
  return { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` };
}

export function serveAssets(): Middleware {
  const assets = new Map<string, Asset>([
    ['/assets/bootstrap.min.css', asset('bootstrap/dist/css/bootstrap.min.css', 'text/css; charset=utf-8')],
    ['/favicon.ico', asset('bootstrap-icons/icons/shield-lock-fill.svg', 'image/svg+xml')],
  ]);
  return async (ctx, next) => {
    const found = ctx.method === 'GET' || ctx.method === 'HEAD' ? assets.get(ctx.path) : undefined;
    if (!found) return next();
    ctx.set('Cache-Control', 'public, max-age=86400');
    ctx.set('ETag', found.etag);
    ctx.type = found.type;
    if (ctx.get('If-None-Match') === found.etag) {
      ctx.status = 304;
      return;
    }
    ctx.body = found.body;
  };
}
