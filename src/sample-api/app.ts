// The sample API's routes: GET /hello needs a B2C access token with the required scope and answers
// the caller's name; GET /public needs nothing. Errors follow RFC 6750 (WWW-Authenticate) with a
// small JSON body that never echoes the token. Nothing is logged per request.
import Koa from 'koa';

import { Faults } from './faults.ts';
import { resolveOptions, type SampleApiOptions } from './options.ts';
import { tokenVerifier, type Verdict } from './verify.ts';

const REALM = 'sample-api';

/** What the server adds to the app: its fault switches and a promise settled when it closes. */
export interface AppControls { faults: Faults; closed: Promise<void> }

/** The sample API as a Koa app; with no controls its faults stay off. */
export function createSampleApi(options: SampleApiOptions, controls?: AppControls): Koa {
  const resolved = resolveOptions(options);
  const verify = tokenVerifier(resolved);
  const { faults, closed } = controls ?? { faults: new Faults(), closed: new Promise<void>(() => {}) };

  const app = new Koa();
  app.silent = true;
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      // The error's kind only: a message could quote a header.
      console.error(`sample api: ${ctx.method} ${ctx.path}: ${err instanceof Error ? err.name : 'error'}`);
      ctx.status = 500;
      ctx.body = { error: 'server_error' };
    }
  });
  app.use(async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const route = ROUTES[ctx.path];
    if (!route) {
      ctx.status = 404;
      ctx.body = { error: 'not_found' };
      return;
    }
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
      ctx.status = 405;
      ctx.set('Allow', 'GET, HEAD');
      ctx.body = { error: 'method_not_allowed' };
      return;
    }
    if (route === 'public') {
      ctx.body = { message: 'Anyone may read this; no token needed.' };
      return;
    }
    if (faults.hang) {
      await closed;
      return;
    }
    if (faults.status !== null) {
      answerFault(ctx, faults.status, resolved.requiredScope);
      return;
    }
    answer(ctx, await verify(ctx.get('authorization') || undefined), resolved.requiredScope);
  });
  return app;
}

const ROUTES: Record<string, 'hello' | 'public' | undefined> = { '/hello': 'hello', '/public': 'public' };

function answer(ctx: Koa.Context, verdict: Verdict, requiredScope: string): void {
  switch (verdict.kind) {
    case 'ok':
      ctx.body = { name: verdict.name, scopes: verdict.scopes };
      return;
    case 'missing':
      ctx.status = 401;
      ctx.set('WWW-Authenticate', `Bearer realm="${REALM}"`);
      ctx.body = { error: 'missing_token' };
      return;
    case 'invalid_token':
      ctx.status = 401;
      ctx.set('WWW-Authenticate', `Bearer realm="${REALM}", error="invalid_token", error_description="The access token is not valid."`);
      ctx.body = { error: 'invalid_token' };
      return;
    case 'insufficient_scope':
      ctx.status = 403;
      ctx.set('WWW-Authenticate', `Bearer realm="${REALM}", error="insufficient_scope", error_description="The access token lacks the scope ${requiredScope}."`);
      ctx.body = { error: 'insufficient_scope' };
      return;
    case 'unavailable':
      ctx.status = 503;
      ctx.set('Retry-After', '5');
      ctx.body = { error: 'temporarily_unavailable' };
      return;
  }
}

/** A fault's status, answered as an honest answer of that status would be. */
function answerFault(ctx: Koa.Context, status: number, requiredScope: string): void {
  if (status === 401) return answer(ctx, { kind: 'invalid_token' }, requiredScope);
  if (status === 403) return answer(ctx, { kind: 'insufficient_scope' }, requiredScope);
  if (status === 503) return answer(ctx, { kind: 'unavailable' }, requiredScope);
  ctx.status = status;
  ctx.body = { error: status >= 500 ? 'server_error' : 'request_refused' };
}
