// The app's redirects: the machine's own URLs, the user flows' and B2C's logout.
import type { Context } from 'koa';

/** Printable ASCII only: what the machine's URLs (built with URL, or '/') and B2C's are. */
const PLAIN_URL = /^[\x21-\x7e]+$/;

/** A 302 without Koa's `ctx.redirect` work (content negotiation, the URL re-encoded and HTML-escaped
 *  into a body: ~9% of a /signin's CPU time); any other URL still goes through Koa. */
export function redirect(ctx: Context, url: string, status = 302): void {
  if (!PLAIN_URL.test(url)) return ctx.redirect(url);
  ctx.status = status;
  ctx.set('Location', url);
  ctx.type = 'text/plain';
  ctx.body = 'Redirecting.';
}
