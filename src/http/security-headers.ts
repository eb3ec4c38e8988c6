// Headers every answer carries (no inline script or style, no framing, no sniffing, no referrer),
// and the limit on what a request may ask.
import type { Middleware } from 'koa';

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Longer URLs are refused before any work (Node itself answers 431 past 16 KB of headers). */
const MAX_URL_BYTES = 8 * 1024;

export function securityHeaders(): Middleware {
  return async (ctx, next) => {
    ctx.set('Content-Security-Policy', CSP);
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('Referrer-Policy', 'no-referrer');
    ctx.set('Cross-Origin-Opener-Policy', 'same-origin');
    if (ctx.secure) ctx.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    if (ctx.url.length > MAX_URL_BYTES) {
      ctx.status = 414;
      ctx.type = 'text/plain';
      ctx.body = 'This address is too long. Start again at /';
      return;
    }
    await next();
  };
}
