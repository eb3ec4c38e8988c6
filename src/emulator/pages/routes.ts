// The emulator's pages, at `{authority}/api/{interaction}`: which page answers which request.
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type Koa from 'koa';

import { CANCELLED } from '../b2c-errors.ts';
import type { FlowKind } from '../options.ts';
import { finishWithError, loadPage, notFound, type PageDeps, type PageRequest } from './interaction.ts';
import { showProfile, showReset, submitProfile, submitReset } from './profile-reset.ts';
import { forgotPassword, showSignIn, showSignUp, submitSignIn, submitSignUp } from './sign-in-up.ts';

type Handler = (deps: PageDeps, ctx: Koa.Context, page: PageRequest) => Promise<void>;

const BASE = '/:tenant/:flow/api/:uid';

export function pageRoutes(deps: PageDeps): Koa.Middleware {
  const router = new Router();
  const forms = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });

  /** A route that exists only in the listed flows. */
  const route = (kinds: FlowKind[], handler: Handler): Koa.Middleware => async (ctx) => {
    const page = await loadPage(deps, ctx);
    if (!page) return;
    if (!kinds.includes(page.kind)) {
      await notFound(deps, ctx);
      return;
    }
    await handler(deps, ctx, page);
  };

  router.get(BASE, route(['signUpSignIn', 'editProfile', 'resetPassword'], (d, ctx, page) => {
    if (page.kind === 'editProfile') return showProfile(d, ctx, page);
    if (page.kind === 'resetPassword') return showReset(d, ctx, page);
    return showSignIn(d, ctx, page);
  }));
  router.post(`${BASE}/signin`, forms, route(['signUpSignIn', 'editProfile'], submitSignIn));
  router.get(`${BASE}/forgot`, route(['signUpSignIn'], (d, ctx) => forgotPassword(d, ctx)));
  router.get(`${BASE}/signup`, route(['signUpSignIn'], (d, ctx, page) => showSignUp(d, ctx, page)));
  router.post(`${BASE}/signup`, forms, route(['signUpSignIn'], submitSignUp));
  router.post(`${BASE}/profile`, forms, route(['editProfile'], submitProfile));
  router.post(`${BASE}/reset`, forms, route(['resetPassword'], submitReset));
  const cancel = route(['signUpSignIn', 'editProfile', 'resetPassword'], (d, ctx) => finishWithError(d, ctx, CANCELLED));
  router.get(`${BASE}/cancel`, cancel);
  router.post(`${BASE}/cancel`, forms, cancel);

  return router.routes() as Koa.Middleware;
}
