// External ID's pages, at `/{tenant id}/login/{interaction}[/step]`: which step answers which request.
// GETs only show pages; anything that changes state (a code sent, a password set) is a POST.
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type Koa from 'koa';

import type { PageDeps } from '../pages/interaction.ts';
import { loadPage, STEPS, type ExternalIdPage } from './page.ts';
import * as steps from './steps.ts';

type Step = (deps: PageDeps, ctx: Koa.Context, page: ExternalIdPage) => Promise<void>;

const BASE = '/:tenant/login/:uid';

export function externalIdPageRoutes(deps: PageDeps): Koa.Middleware {
  const router = new Router();
  const forms = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });
  const step = (handler: Step): Koa.Middleware => async (ctx) => {
    const page = await loadPage(deps, ctx);
    if (page) await handler(deps, ctx, page);
  };
  const get = (path: string, handler: Step) => router.get(`${BASE}${path}`, step(handler));
  const post = (path: string, handler: Step) => router.post(`${BASE}${path}`, forms, step(handler));

  get('', steps.showEmail);
  post(STEPS.email, steps.submitEmail);
  get(STEPS.password, steps.showPassword);
  post(STEPS.password, steps.submitPassword);
  post(STEPS.forgot, steps.forgotPassword);
  get(STEPS.verify, steps.showCode);
  post(STEPS.verify, steps.submitCode);
  post(STEPS.resend, steps.resendCode);
  get(STEPS.reset, steps.showNewPassword);
  post(STEPS.reset, steps.submitNewPassword);
  get(STEPS.signUp, steps.showSignUp);
  post(STEPS.signUp, steps.submitSignUp);
  get(STEPS.details, steps.showDetails);
  post(STEPS.details, steps.submitDetails);
  return router.routes() as Koa.Middleware;
}
