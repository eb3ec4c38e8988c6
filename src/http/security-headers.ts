// Headers every answer carries: no inline script or style, no framing, no sniffing, no referrer,
// and no storing in any cache: pages and redirects depend on the session (a greeting, a Set-Cookie,
// a one-time notice, the sign-in URL with its state). Static assets replace Cache-Control.
// The same list goes on the answers Node's parser gives before Koa sees a request (server.ts).
import type { Middleware } from 'koa';

export const CSP_DIRECTIVES = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
] as const;

const HSTS = 'max-age=31536000; includeSubDomains';

/** `https`: the public origin is https (APP_REDIRECT_URI), so HSTS whatever the request says. */
export function securityHeaderList({ https }: { https: boolean }): [string, string][] {
  return [
    ['Content-Security-Policy', CSP_DIRECTIVES.join('; ')],
    ['X-Content-Type-Options', 'nosniff'],
    ['X-Frame-Options', 'DENY'],
    ['Referrer-Policy', 'no-referrer'],
    ['Cross-Origin-Opener-Policy', 'same-origin'],
    ['Cache-Control', 'no-store'],
    ...(https ? [['Strict-Transport-Security', HSTS] as [string, string]] : []),
  ];
}

export function securityHeaders({ https }: { https: boolean }): Middleware {
  const headers = securityHeaderList({ https });
  return async (ctx, next) => {
    // Node's own setHeader: Koa's ctx.set allocates two arrays per header (it takes arrays and
    // objects too), the largest single cost in a profile of a page (docs/PERFORMANCE.md).
    for (const [name, value] of headers) ctx.res.setHeader(name, value);
    // An http public origin (a developer's localhost): HSTS only when a trusted proxy says https.
    if (!https && ctx.secure) ctx.set('Strict-Transport-Security', HSTS);
    await next();
  };
}
