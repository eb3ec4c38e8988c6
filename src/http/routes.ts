// HTTP -> machine events, nothing else: the tutorial's routes.
import Router from '@koa/router';
import type { Context } from 'koa';
import type { CallbackParams } from '../../machines/session.ts';
import type { Dispatch } from './session-machine.ts';
import { PROBLEM_PATH } from './problem-link.ts';

const MAX_PARAM_LENGTH = 4096;

/** A query value the callback can use: one string of sane length, or nothing. */
function single(value: unknown): string | undefined {
  return typeof value === 'string' && value.length <= MAX_PARAM_LENGTH ? value : undefined;
}

function callbackParams(ctx: Context): CallbackParams {
  const q = ctx.query;
  return {
    state: single(q.state),
    code: single(q.code),
    error: single(q.error),
    errorDescription: single(q.error_description),
  };
}

/** `showProblem`: the page a refused callback is sent on to (./problem-link.ts). */
export function createRouter(dispatch: Dispatch, showProblem: (ctx: Context) => Promise<void>): Router {
  const router = new Router();
  router.get('/', (ctx) => dispatch(ctx, { type: 'SHOW' }));
  router.get('/signin', (ctx) => dispatch(ctx, { type: 'SIGN_IN' }));
  router.get('/profile', (ctx) => dispatch(ctx, { type: 'EDIT_PROFILE' }));
  router.get('/password', (ctx) => dispatch(ctx, { type: 'RESET_PASSWORD' }));
  router.get('/signout', (ctx) => dispatch(ctx, { type: 'SIGN_OUT' }));
  router.get('/api', (ctx) => dispatch(ctx, { type: 'CALL_API' }));
  router.get(PROBLEM_PATH, showProblem);
  router.get('/redirect', (ctx) => {
    // The callback URL carries a code and state: never leak it to a page's links or assets.
    ctx.set('Referrer-Policy', 'no-referrer');
    return dispatch(ctx, { type: 'CALLBACK', params: callbackParams(ctx) });
  });
  return router;
}
