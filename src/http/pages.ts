// The app's pages, rendered through koa-views and nunjucks once per distinct view model, then
// answered from memory: koa-views stats the view file on every render (a round trip through
// libuv's thread pool, ~30 µs of CPU) before nunjucks even runs.
//
// A page that greets a user is kept without the user: it is rendered with a marker where the name
// goes, and each answer fills in that person's name, escaped as nunjucks' autoescape escapes it.
// So no name outlives its request, and every signed-in person shares the same few pages.
// test/app/pages.test.ts checks the result against nunjucks' own rendering for arbitrary names.
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Context, Middleware } from 'koa';
import koaViews from 'koa-views';
import nunjucks from 'nunjucks';
import type { ApiAnswer, Problem, User } from '../../machines/session.ts';
import type { Capabilities } from '../config.ts';

export const VIEWS = fileURLToPath(new URL('../../views/', import.meta.url));

/** koa-views' `ctx.render`, on one nunjucks Environment for the process: templates compiled once. */
export function views(): Middleware {
  const env = new nunjucks.Environment(new nunjucks.FileSystemLoader(VIEWS), { autoescape: true });
  const engine = (path: string, locals: object) =>
    new Promise<string>((resolve, reject) => env.render(path, locals, (err, html) => (err ? reject(err) : resolve(html!))));
  return koaViews(VIEWS, { extension: 'njk', map: { njk: 'nunjucks' }, engineSource: { nunjucks: engine } });
}

/** Distinct pages kept: the home page with each notice, signed in and out, the error pages.
 *  Bounded because an error page can quote the identity provider's `error` from the callback's
 *  query; a flood of those only costs renders. */
const MAX_KEPT = 64;

/** Letters, digits and dashes, so autoescape leaves it as it is; random per process and never sent,
 *  so no view model can hold it (an error page may quote the identity provider's error text). */
const NAME = `b2c-given-name-${randomUUID()}`;

export interface Pages {
  home(ctx: Context, user: User | null, notice: string | null): Promise<void>;
  /** The error page, with the navigation of whoever is looking at it. */
  problem(ctx: Context, problem: Problem, user?: User | null): Promise<void>;
  /** The web API's answer, for the person who asked (never kept: it is theirs alone). */
  api(ctx: Context, user: User | null, answer: ApiAnswer): Promise<void>;
}

/** nunjucks' own escape, which its autoescape applies (not in its type definitions). */
const { escape } = nunjucks.lib as unknown as { escape(text: string): string };
/** What nunjucks prints for `{{ value }}` with autoescape on. */
const printed = (value: unknown) => (value === undefined || value === null ? '' : escape(String(value)));

/** `apiConfigured`: a signed-in person's home page offers the "Call API" button; `capabilities`:
 *  the navigation offers "Edit profile" and "Reset password" only when the provider has them. */
export function createPages({ apiConfigured, capabilities }: { apiConfigured: boolean; capabilities: Capabilities }): Pages {
  const offers = { apiConfigured, editProfile: capabilities.editProfile, resetPassword: capabilities.resetPassword };
  // The page split where the name goes; oldest first (a Map keeps insertion order), dropped first.
  const kept = new Map<string, string[]>();

  /** The templates read only the model, never ctx.state, which koa-views also hands them. The
   *  layout's navigation follows from who is looking: a sign-in button, or the marker for a name. */
  async function render(ctx: Context, view: string, model: object, user: User | null | undefined) {
    const key = `${view}\0${user ? 'in' : 'out'}\0${JSON.stringify(model)}`;
    let parts = kept.get(key);
    if (parts === undefined) {
      await ctx.render(view, { ...model, ...offers, showSignInButton: !user, givenName: user ? NAME : undefined });
      parts = (ctx.body as string).split(NAME);
      kept.set(key, parts);
      if (kept.size > MAX_KEPT) kept.delete(kept.keys().next().value!);
    }
    // What koa-views' ctx.type = 'text/html' sends, set directly: Koa's setter looks the type up
    // again on every page (~4 µs of a signed-out page under the profiler).
    ctx.res.setHeader('Content-Type', 'text/html; charset=utf-8');
    ctx.body = parts.length === 1 ? parts[0]! : parts.join(printed(user?.givenName));
  }

  return {
    home: (ctx, user, notice) => render(ctx, 'home.njk', { message: notice }, user),
    problem(ctx, problem, user) {
      ctx.status = problem.status;
      return render(ctx, 'error.njk', problem, user);
    },
    async api(ctx, user, answer) {
      await ctx.render('api.njk', { ...offers, showSignInButton: !user, givenName: user?.givenName, answer });
    },
  };
}
