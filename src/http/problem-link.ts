// A refused callback answers with a redirect to a clean URL that shows the problem, so that no
// authorization code stays in the address bar or the history (as the success path goes to /). The
// problem travels in that URL, signed with the session keys: no server state for it (a forged
// callback from a stranger costs nothing), and no page can be made to say what we did not say.
import type { Context } from 'koa';
import type { Problem, SessionContext } from '../../machines/session.ts';
import type { CookieKeys } from './cookie-keys.ts';
import type { Pages } from './pages.ts';
import { redirect } from './redirect.ts';

export const PROBLEM_PATH = '/problem';
const PURPOSE = 'problem:'; // the keys also sign cookies: a signature is never good for both

/** `/problem?p=…&s=…` for this problem. */
export function problemLink(keys: CookieKeys, problem: Problem): string {
  const p = Buffer.from(JSON.stringify([problem.status, problem.title, problem.detail])).toString('base64url');
  return `${PROBLEM_PATH}?p=${p}&s=${keys.sign(PURPOSE + p)}`;
}

/** A refused callback's answer: 303 See Other, to the page of its problem. */
export function seeProblem(ctx: Context, problem: Problem): void {
  redirect(ctx, problemLink(ctx.app.keys as unknown as CookieKeys, problem), 303);
}

/** The problem a link carries, if we signed it. */
export function problemOf(keys: CookieKeys, p: unknown, s: unknown): Problem | undefined {
  if (typeof p !== 'string' || typeof s !== 'string' || p.length > 4096 || !keys.verify(PURPOSE + p, s)) return undefined;
  const [status, title, detail] = JSON.parse(Buffer.from(p, 'base64url').toString()) as [number, string, string];
  return { status, title, detail };
}

/** GET /problem: the page, with the status it had, for whoever is looking (read, never written). */
export function showProblem(pages: Pages) {
  return (ctx: Context): Promise<void> => {
    const problem = problemOf(ctx.app.keys as unknown as CookieKeys, ctx.query.p, ctx.query.s);
    const user = (ctx.session?.machine as { context?: SessionContext } | undefined)?.context?.user ?? null;
    return pages.problem(ctx, problem ?? { status: 404, title: 'Page not found', detail: 'There is nothing at this address.' }, user);
  };
}
