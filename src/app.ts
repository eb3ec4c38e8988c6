// createApp(config, deps): error boundary, security headers, session, views, routes.
import Koa from 'koa';
import session from 'koa-session';
import type { Config } from './config.ts';
import { CookieKeys } from './http/cookie-keys.ts';
import { health } from './http/health.ts';
import { requestLog } from './http/request-log.ts';
import { createRouter } from './http/routes.ts';
import { flowView } from './flow/view.ts';
import { xstateInspect } from './flow/inspect.ts';
import { securityHeaders } from './http/security-headers.ts';
import { isPublicHttps, publicHttps } from './http/public-origin.ts';
import { createPages, views } from './http/pages.ts';
import { createDispatch } from './http/session-machine.ts';
import { PendingCookie } from './http/pending-cookie.ts';
import { endSession } from './http/session-writes.ts';
import { showProblem } from './http/problem-link.ts';
import { serveAssets } from './http/static.ts';
import { createIdentity, type Identity } from './identity/index.ts';
import { createLogger, type Logger } from './log.ts';
import { createStores, type SessionStore } from './session/index.ts';
import { StoreUnavailable } from './session/redis.ts';
import { createWebApi } from './web-api/call.ts';

export interface AppDeps {
  identity?: Identity;
  store?: SessionStore;
  log?: Logger;
  /** The clock for timeouts (tests move it; nothing else does). */
  now?: () => number;
}

const SESSION_COOKIE = 'b2c.sid';
const PENDING_COOKIE = 'b2c.pending';
const MAX_URL_BYTES = 8 * 1024;

export function createApp(config: Config, deps: AppDeps = {}) {
  const log = deps.log ?? createLogger(config.logLevel);
  const now = deps.now ?? Date.now;
  const backing = createStores(config, log, now);
  const store = deps.store ?? backing.sessions;
  const identity = deps.identity ?? createIdentity(config, now, backing.tokens);

  const app = new Koa({ proxy: config.trustProxy });
  app.keys = new CookieKeys([config.sessionSecret, ...config.previousSessionSecrets]);
  app.silent = true; // errors are logged by the boundary below, without request data
  const pages = createPages({ apiConfigured: config.webApi !== null, capabilities: config.capabilities });
  // Behind a TLS proxy: the configured public origin decides Secure, __Host- and HSTS (public-origin.ts).
  const https = isPublicHttps(config.redirectUri);

  // A visitor's session until sign-in completes, sealed under the session secrets, in its browser.
  const pending = new PendingCookie(https ? `__Host-${PENDING_COOKIE}` : PENDING_COOKIE, [config.sessionSecret, ...config.previousSessionSecrets], config.sessionIdleMs, now, https);

  // Every answer carries the security headers, the probes' included.
  app.use(securityHeaders({ https }));
  // Probes first: no session, no cookie, no request-log line for a success.
  app.use(
    health({
      dependencies: [
        { name: 'identity provider', check: () => identity.ready() },
        { name: 'session store', check: () => store.ping() },
      ],
      timeoutMs: config.idpTimeoutMs,
      log,
    }),
  );
  app.use(requestLog(log, { trustProxy: config.trustProxy }));
  if (https) app.use(publicHttps({ trustProxy: config.trustProxy, log }));
  app.use(async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        await pages.problem(ctx, { status: 404, title: 'Page not found', detail: 'There is nothing at this address.' });
      }
    } catch (error) {
      if (error instanceof StoreUnavailable) {
        // Redis is away: the browser keeps its cookie, and its session as Redis last had it.
        log.warn({ msg: 'session store unavailable', path: ctx.path });
        ctx.set('Retry-After', '5');
        return pages.problem(ctx, { status: error.status, title: error.title, detail: error.detail });
      }
      log.error({ msg: 'request failed', path: ctx.path, error: (error as Error).name, detail: (error as Error).message });
      try {
        await endSession(ctx, sessionCookie);
        pending.clear(ctx);
        await pages.problem(ctx, { status: 500, title: 'Something went wrong', detail: 'Your session was reset. Please start again.' });
      } catch {
        ctx.status = 500;
        ctx.type = 'text/plain';
        ctx.body = 'Something went wrong. Please start again at /';
      }
    }
  });
  app.use(serveAssets());
  app.use(views());
  app.use(async (ctx, next) => {
    // Refused before any session or machine work (Node itself answers 431 past 16 KB of headers).
    if (ctx.url.length <= MAX_URL_BYTES) return next();
    await pages.problem(ctx, { status: 414, title: 'This address is too long', detail: 'Nothing was done. Please start again from the home page.' });
  });
  // Served over https (the public redirect URI says so): the __Host- prefix makes browsers refuse
  // the cookie unless it is Secure, host-only and for the whole site.
  const sessionCookie = https ? `__Host-${SESSION_COOKIE}` : SESSION_COOKIE;
  app.use(
    session(
      {
        key: sessionCookie,
        // The idle timeout. Not rolling: the bridge renews a session by writing it again, at most
        // once a minute, rather than on every request (session-machine.ts).
        maxAge: config.sessionIdleMs,
        rolling: false,
        // Nothing is written behind the bridge's back: it commits each change itself, on the
        // version it read, before it answers (src/http/session-writes.ts).
        autoCommit: false,
        httpOnly: true,
        sameSite: 'lax',
        signed: true,
        store,
        // An https public origin: always Secure. Otherwise left to the cookies library (ctx.secure).
        ...(https ? { secure: true } : {}),
      },
      app,
    ),
  );

  const callApi = config.webApi
    ? createWebApi({ uri: config.webApi.uri, timeoutMs: config.idpTimeoutMs, accessToken: (accountId, options) => identity.accessToken(accountId, options) })
    : null;
  const dispatch = createDispatch({
    identity,
    store,
    recordEvents: config.flowView,
    callApi,
    capabilities: config.capabilities,
    now,
    sessionAbsoluteMs: config.sessionAbsoluteMs,
    sessionIdleMs: config.sessionIdleMs,
    sessionCookie,
    pending,
    logoutEndpoint: config.logoutEndpoint,
    settleTimeoutMs: config.idpTimeoutMs,
    log,
    pages,
  });
  // A visitor's snapshot is in its pending cookie until sign-in stores a session.
  if (config.flowView) app.use(flowView({ sessionOf: (ctx) => (ctx.session?.machine ? ctx.session : pending.read(ctx)) }));
  if (config.xstateInspect) app.use(xstateInspect(config.xstateInspect));
  app.use(createRouter(dispatch, showProblem(pages)).routes());

  return {
    app,
    async close() {
      await Promise.all([...new Set([store, backing.sessions, backing.tokens])].map((s) => s.close()));
    },
  };
}
