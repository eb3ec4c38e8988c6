// Behind a TLS-terminating proxy the browser talks https to the proxy and the proxy plain http to
// us. Whether the session cookie is Secure (and may carry the __Host- prefix) must then follow the
// public origin the configuration names (APP_REDIRECT_URI), not each request's X-Forwarded-Proto:
// a missing or odd header would otherwise give a __Host- cookie without Secure, which browsers
// drop, and sign-in would fail without a word.
import type { Middleware } from 'koa';
import type { Logger } from '../log.ts';

/** The public origin is https: the redirect URI registered with B2C says where browsers are. */
export function isPublicHttps(redirectUri: string): boolean {
  return new URL(redirectUri).protocol === 'https:';
}

/** Long enough for any real protocol list, short enough to keep a hostile header out of the log. */
const MAX_LOGGED = 32;

/** For an https public origin only. `trustProxy`: a proxy whose X-Forwarded-Proto is not exactly
 *  `https` is misconfigured; said once per app (one per process), not on every request. */
export function publicHttps({ trustProxy, log }: { trustProxy: boolean; log: Logger }): Middleware {
  let warned = !trustProxy;
  return (ctx, next) => {
    // The cookies library refuses a Secure cookie over what it believes is plain http (and sets
    // Secure only when ctx.secure); the connection the browser sees is https, so say so.
    ctx.cookies.secure = true;
    if (!warned) {
      const proto = ctx.get('X-Forwarded-Proto');
      if (proto !== 'https') {
        warned = true;
        log.warn({
          msg: 'X-Forwarded-Proto is not "https" although APP_REDIRECT_URI is https: cookies are sent Secure and HSTS is sent all the same; have the proxy set X-Forwarded-Proto: https',
          header: 'X-Forwarded-Proto',
          expected: 'https',
          received: proto === '' ? '(missing)' : proto.length > MAX_LOGGED ? `${proto.slice(0, MAX_LOGGED)}… (${proto.length} characters)` : proto,
        });
      }
    }
    return next();
  };
}
