// The app's pages, rendered through koa-views and nunjucks. A page for someone who is not signed in
// depends on nothing but its view model (the signed-out home page is the same bytes for every
// visitor), so it is rendered once and then answered from memory: koa-views stats the view file on
// every render (a round trip through libuv's thread pool, ~30 µs of CPU) before nunjucks even runs.
// A page that greets a user is rendered every time: no name is kept beyond its session.
import type { Context } from 'koa';
import type { Problem, User } from '../../machines/session.ts';

/** Distinct shared pages kept: the home page with each notice, the error pages. Bounded because an
 *  error page can quote the identity provider's `error` from the callback's query; a flood of
 *  those only costs renders. */
const MAX_SHARED = 64;

export interface Pages {
  home(ctx: Context, user: User | null, notice: string | null): Promise<void>;
  /** The error page, with the navigation of whoever is looking at it. */
  problem(ctx: Context, problem: Problem, user?: User | null): Promise<void>;
}

export function createPages(): Pages {
  // Oldest first (a Map keeps insertion order): the first dropped when full.
  const shared = new Map<string, string>();

  /** The templates read only the model, never ctx.state, which koa-views also hands them. */
  async function render(ctx: Context, view: string, model: Record<string, unknown>, user: User | null | undefined) {
    if (user) return ctx.render(view, model);
    const key = `${view}\0${JSON.stringify(model)}`;
    const html = shared.get(key);
    if (html !== undefined) {
      ctx.type = 'text/html'; // as koa-views sets it
      ctx.body = html;
      return;
    }
    await ctx.render(view, model);
    shared.set(key, ctx.body as string);
    if (shared.size > MAX_SHARED) shared.delete(shared.keys().next().value!);
  }

  return {
    home: (ctx, user, notice) => render(ctx, 'home.njk', { showSignInButton: !user, givenName: user?.givenName, message: notice }, user),
    problem(ctx, problem, user) {
      ctx.status = problem.status;
      return render(ctx, 'error.njk', { ...problem, showSignInButton: !user, givenName: user?.givenName }, user);
    },
  };
}
